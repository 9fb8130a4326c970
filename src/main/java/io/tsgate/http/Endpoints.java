package io.tsgate.http;

import io.netty.handler.codec.http.FullHttpResponse;
import io.tsgate.config.AuthKey;
import io.tsgate.request.BadRequestException;
import io.tsgate.request.QueryParam;
import io.tsgate.request.QueryStrings;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * What each path serves: {@code /metrics}, {@code /health} (the process is alive), {@code /ready} (keys loaded and
 * every backend usable; 503 with the reason otherwise) and every path under {@code /authz} (forward-auth, which
 * answers 404 itself for paths that are none of its endpoints). Paths match exactly; anything else is 404.
 */
final class Endpoints {
    private final ForwardAuthHandler forwardAuth;
    private final MetricsEndpoint metrics;
    private final Supplier<String> readiness;
    private final AuthKey metricsKey;
    private final Runnable wrongKey;

    /**
     * @param readiness  returns null when ready, else a short reason why not
     * @param metricsKey what {@code /metrics} requires in its {@code authKey} query arg ({@code -metricsAuthKey})
     * @param wrongKey   counts a request refused for a missing or wrong key
     */
    Endpoints(ForwardAuthHandler forwardAuth, MetricsEndpoint metrics, Supplier<String> readiness, AuthKey metricsKey,
              Runnable wrongKey) {
        this.forwardAuth = forwardAuth;
        this.metrics = metrics;
        this.readiness = readiness;
        this.metricsKey = metricsKey;
        this.wrongKey = wrongKey;
    }

    /** The response; complete at once except for scrapes and limiter checks that wait for a backend. */
    CompletableFuture<FullHttpResponse> serve(ReceivedRequest req) {
        String path = req.rawPath();
        if (path.startsWith(ForwardAuthHandler.PREFIX)) {
            return forwardAuth.handle(req);
        }
        return switch (path) {
            case "/health" -> CompletableFuture.completedFuture(Replies.text(200, "OK"));
            case "/ready" -> CompletableFuture.completedFuture(ready());
            case "/metrics" -> guarded(req, metricsKey, metrics::serve);
            default -> CompletableFuture.completedFuture(Replies.text(404, "not found"));
        };
    }

    private CompletableFuture<FullHttpResponse> guarded(
            ReceivedRequest req, AuthKey key,
            java.util.function.Function<ReceivedRequest, CompletableFuture<FullHttpResponse>> endpoint) {
        FullHttpResponse refusal = keyRefusal(req, key);
        return refusal == null ? endpoint.apply(req) : CompletableFuture.completedFuture(refusal);
    }

    /**
     * Null when {@code key} is unset or the first {@code authKey} query arg equals it, else the 401 VictoriaMetrics
     * answers (lib/httpserver/httpserver.go {@code CheckAuthFlag}, commit b7ef6cc3). A query Go would not decode
     * counts as no key.
     */
    private FullHttpResponse keyRefusal(ReceivedRequest req, AuthKey key) {
        if (!key.required()) {
            return null;
        }
        String given = "";
        try {
            for (QueryParam p : QueryStrings.parse(req.rawQuery())) {
                if (p.name().equals("authKey")) {
                    given = p.value();
                    break;
                }
            }
        } catch (BadRequestException e) {
            given = "";
        }
        if (key.matches(given)) {
            return null;
        }
        wrongKey.run();
        return Replies.text(401, given.isEmpty() ? "Expected to receive non-empty authKey when -" + key.flag() + " is set"
                : "The provided authKey doesn't match -" + key.flag());
    }

    private FullHttpResponse ready() {
        String why = readiness.get();
        return why == null ? Replies.text(200, "OK") : Replies.text(503, "not ready: " + why);
    }
}

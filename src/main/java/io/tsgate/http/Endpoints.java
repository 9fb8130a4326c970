package io.tsgate.http;

import io.netty.handler.codec.http.FullHttpResponse;
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

    /** @param readiness returns null when ready, else a short reason why not */
    Endpoints(ForwardAuthHandler forwardAuth, MetricsEndpoint metrics, Supplier<String> readiness) {
        this.forwardAuth = forwardAuth;
        this.metrics = metrics;
        this.readiness = readiness;
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
            case "/metrics" -> metrics.serve(req);
            default -> CompletableFuture.completedFuture(Replies.text(404, "not found"));
        };
    }

    private FullHttpResponse ready() {
        String why = readiness.get();
        return why == null ? Replies.text(200, "OK") : Replies.text(503, "not ready: " + why);
    }
}

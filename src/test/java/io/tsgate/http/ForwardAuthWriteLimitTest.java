package io.tsgate.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tsgate.auth.OpenAccessAuthenticator;
import io.tsgate.config.HttpServerConfig;
import io.tsgate.limits.LimitFile;
import io.tsgate.limits.LimitRules;
import io.tsgate.limits.LocalLimiter;
import io.tsgate.policy.DecisionObserver;
import io.tsgate.policy.RequestAuthorizer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * No forward-auth style hands tsgate a body counter after the decision, so a write of a tenant with a row or series
 * limit is refused on every one of them (403 write_not_countable), whatever the client sends, unless
 * -ratelimit.uncountableWrites=allow. (OpenAccessAuthenticator: every request is tenant 0:0.)
 */
class ForwardAuthWriteLimitTest {
    private AdminHttpServer server;
    private final HttpClient client = HttpClient.newHttpClient();

    private void start(String limits) throws Exception {
        LimitRules rules = LimitFile.parse(limits, "t");
        LocalLimiter limiter = new LocalLimiter(Clock.fixed(Instant.parse("2030-01-01T00:59:00Z"), ZoneOffset.UTC),
                () -> rules);
        RequestAuthorizer authorizer = new RequestAuthorizer(new OpenAccessAuthenticator("authorization"), false, limiter);
        PrometheusRegistry registry = new PrometheusRegistry();
        server = new AdminHttpServer(new InetSocketAddress("127.0.0.1", 0), registry, () -> null, Map.of(),
                new ForwardAuthHandler(authorizer, new DecisionObserver(registry, 0, false), Map.of()), null,
                HttpServerConfig.DEFAULTS);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /** A write of tenant 0:0 through {@code style}'s endpoint, with headers a client might hope would help. */
    private HttpResponse<String> write(String style) throws Exception {
        String path = "/api/v1/import/prometheus";
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
                + (style.equals("envoy") ? "/authz" + path : "/authz-" + style)))
                .header("Content-Type", "text/plain").header("body_counting", "ext_proc")
                .header("x-tsgate-body-counting", "ext_proc")
                .POST(HttpRequest.BodyPublishers.ofString("up 1\n"));
        if (style.equals("nginx")) {
            b.header("X-Original-URI", path).header("X-Original-Method", "POST");
        } else if (style.equals("forwarded")) {
            b.header("X-Forwarded-Uri", path).header("X-Forwarded-Method", "POST").header("X-Forwarded-Host", "vm");
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"envoy", "nginx", "forwarded"})
    void limitedTenantsWriteIsRefusedOnEveryStyle(String style) throws Exception {
        start("limits: [{type: rows_inserted, value: 100, resolution: hour}]");
        HttpResponse<String> r = write(style);
        assertEquals(403, r.statusCode(), r.body());
        assertEquals("403", r.headers().firstValue("x-tsgate-status").orElseThrow());
        assertEquals("write_not_countable", r.headers().firstValue("x-tsgate-reason").orElseThrow());
        assertTrue(r.body().contains("no write body is counted"), r.body());
    }

    @ParameterizedTest
    @ValueSource(strings = {"envoy", "nginx", "forwarded"})
    void aTenantWithOnlyAQueriesLimitWritesOnEveryStyle(String style) throws Exception {
        start("limits: [{type: queries, value: 1, resolution: hour}]");
        assertEquals(200, write(style).statusCode());
    }

    @Test
    void seriesLimitsNeedACountToo() throws Exception {
        start("limits: [{type: active_series, value: 100, resolution: hour}]");
        assertEquals("write_not_countable", write("nginx").headers().firstValue("x-tsgate-reason").orElseThrow());
    }
}

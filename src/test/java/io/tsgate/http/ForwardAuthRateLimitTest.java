package io.tsgate.http;

import io.tsgate.config.HttpServerConfig;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tsgate.auth.OpenAccessAuthenticator;
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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The queries limit through forward-auth: 429 with Retry-After and RateLimit-* on the HTTP response. */
class ForwardAuthRateLimitTest {
    private AdminHttpServer server;
    private final HttpClient client = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        LimitRules rules = LimitFile.parse("limits: [{type: queries, value: 1, resolution: hour}]", "t");
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

    private HttpResponse<String> get(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void secondReadInTheHourGets429WithRateLimitHeaders() throws Exception {
        assertEquals(200, get("/authz/api/v1/query?query=up").statusCode());
        HttpResponse<String> r = get("/authz/api/v1/query?query=up");
        assertEquals(429, r.statusCode());
        assertEquals("60", r.headers().firstValue("retry-after").orElseThrow());
        assertEquals("1", r.headers().firstValue("ratelimit-limit").orElseThrow());
        assertEquals("0", r.headers().firstValue("ratelimit-remaining").orElseThrow());
        assertEquals("60", r.headers().firstValue("ratelimit-reset").orElseThrow());
        assertEquals("limit_queries", r.headers().firstValue("x-tsgate-reason").orElseThrow());
        assertTrue(r.body().contains("too_many_requests"), r.body());
        HttpResponse<String> write = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
                + "/authz/api/v1/write")).header("Content-Type", "application/x-protobuf").POST(HttpRequest.BodyPublishers.ofString("")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, write.statusCode(), "writes are not counted against queries");
    }
}

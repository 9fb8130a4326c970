package io.tsgate.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tsgate.auth.Access;
import io.tsgate.auth.BearerTokenAuthenticator;
import io.tsgate.auth.CredentialRejectedException;
import io.tsgate.auth.Label;
import io.tsgate.auth.Mode;
import io.tsgate.auth.Tenant;
import io.tsgate.policy.DecisionObserver;
import io.tsgate.policy.RequestAuthorizer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Forward-auth over a real loopback HTTP listener, in each proxy's style. */
class ForwardAuthHandlerTest {
    private static final Access DEV = new Access(new Tenant(2, 0), List.of(new Label("team", "dev")), List.of(),
            Mode.READ, "alice", "", null);
    private AdminHttpServer server;
    private final HttpClient client = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        RequestAuthorizer authorizer = new RequestAuthorizer(new BearerTokenAuthenticator("authorization", t -> {
            if (!t.equals("good")) {
                throw new CredentialRejectedException("bad_signature", "bad signature");
            }
            return DEV;
        }), true);
        PrometheusRegistry registry = new PrometheusRegistry();
        DecisionObserver observer = new DecisionObserver(registry, 0, false);
        server = new AdminHttpServer(new InetSocketAddress("127.0.0.1", 0), registry, () -> null,
                Map.of("x-frame-options", "DENY"), new ForwardAuthHandler(authorizer, observer, Map.of("x-frame-options", "DENY")), null, null);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private HttpResponse<String> get(String path, Map<String, String> headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path));
        headers.forEach(b::header);
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void envoyHttpServiceStyleAllowsWithRewrittenPath() throws Exception {
        HttpResponse<String> r = get("/authz/api/v1/query?query=up", Map.of("Authorization", "Bearer good"));
        assertEquals(200, r.statusCode());
        assertEquals("/select/2:0/prometheus/api/v1/query?query=up&extra_label=team%3Ddev",
                r.headers().firstValue("x-tsgate-path").orElseThrow());
        assertEquals("2:0", r.headers().firstValue("x-tsgate-tenant").orElseThrow());
        assertEquals("read", r.headers().firstValue("x-tsgate-class").orElseThrow());
        assertEquals("DENY", r.headers().firstValue("x-frame-options").orElseThrow());
    }

    @Test
    void nginxStyleReadsOriginalUriAndMethod() throws Exception {
        HttpResponse<String> r = get("/authz", Map.of("Authorization", "Bearer good",
                "X-Original-URI", "/api/v1/write", "X-Original-Method", "POST"));
        assertEquals(403, r.statusCode());
        assertEquals("403", r.headers().firstValue("x-tsgate-status").orElseThrow());
        assertEquals("mode_forbids_write", r.headers().firstValue("x-tsgate-reason").orElseThrow());
    }

    @Test
    void nginxStyleCarriesRealStatusForNon401Denials() throws Exception {
        HttpResponse<String> r = get("/authz", Map.of("Authorization", "Bearer good",
                "X-Original-URI", "/select/0:0/prometheus/api/v1/query"));
        assertEquals(403, r.statusCode(), "nginx passes only 401/403 from auth_request");
        assertEquals("400", r.headers().firstValue("x-tsgate-status").orElseThrow());
    }

    @Test
    void envoyStyleIgnoresClientSentOriginalUri() throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/authz/api/v1/write"))
                .header("Authorization", "Bearer good").header("X-Original-URI", "/api/v1/query?query=up")
                .POST(HttpRequest.BodyPublishers.ofString("x")).build();
        HttpResponse<String> r = client.send(req, HttpResponse.BodyHandlers.ofString());
        assertEquals(403, r.statusCode());
        assertEquals("mode_forbids_write", r.headers().firstValue("x-tsgate-reason").orElseThrow());
    }

    @Test
    void traefikStyleGetsRealStatusAndChallenge() throws Exception {
        HttpResponse<String> r = get("/authz", Map.of("Authorization", "Bearer nope",
                "X-Forwarded-Uri", "/api/v1/query", "X-Forwarded-Method", "GET"));
        assertEquals(401, r.statusCode());
        assertEquals("Bearer error=\"invalid_token\"", r.headers().firstValue("www-authenticate").orElseThrow());
        assertTrue(r.body().contains("\"errorType\":\"unauthorized\""), r.body());
    }

    @Test
    void healthAndMetricsAreServed() throws Exception {
        assertEquals(200, get("/health", Map.of()).statusCode());
        assertEquals(200, get("/ready", Map.of()).statusCode());
        get("/authz/api/v1/query", Map.of());
        String metrics = get("/metrics", Map.of()).body();
        assertTrue(metrics.contains("tsgate_decisions_total{adapter=\"forward_auth\",class=\"none\",decision=\"deny\",reason=\"missing_credential\"} 1"),
                metrics);
    }
}

package io.tsgate.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tsgate.config.AuthKey;
import io.tsgate.config.HttpServerConfig;
import io.tsgate.policy.DecisionObserver;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code -metricsAuthKey} as VictoriaMetrics' {@code CheckAuthFlag} (lib/httpserver/httpserver.go, commit b7ef6cc3):
 * the first {@code authKey} query arg must equal the key, else 401 with VictoriaMetrics' message; probes stay open.
 */
class MetricsAuthKeyTest {
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final HttpClient client = HttpClient.newHttpClient();
    private AdminHttpServer server;

    private void start(AuthKey key) throws Exception {
        server = new AdminHttpServer(new InetSocketAddress("127.0.0.1", 0), registry, () -> null, Map.of(),
                new ForwardAuthHandler(r -> {
                    throw new AssertionError("no forward-auth here");
                }, new DecisionObserver(registry, 0, false), Map.of(), false), null, HttpServerConfig.DEFAULTS, key);
    }

    private HttpResponse<String> get(String target) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + target)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void withAKeyMetricsNeedsItInTheAuthKeyArg() throws Exception {
        start(new AuthKey("metricsAuthKey", "s3cr3t+/"));
        HttpResponse<String> none = get("/metrics");
        assertEquals(401, none.statusCode());
        assertEquals("Expected to receive non-empty authKey when -metricsAuthKey is set", none.body().strip());
        HttpResponse<String> wrong = get("/metrics?authKey=s3cr3t");
        assertEquals(401, wrong.statusCode());
        assertEquals("The provided authKey doesn't match -metricsAuthKey", wrong.body().strip());
        assertEquals(401, get("/metrics?authKey=s3cr3t+/").statusCode(), "+ decodes to a space, as in Go");
        assertEquals(401, get("/metrics?authKey=x&authKey=s3cr3t%2B%2F").statusCode(), "the first value counts");
        HttpResponse<String> right = get("/metrics?authKey=s3cr3t%2B%2F");
        assertEquals(200, right.statusCode());
        assertTrue(right.body().contains("tsgate_http_refused_total{reason=\"wrong_auth_key\"} 4.0"), right.body());
        assertEquals(200, get("/health").statusCode());
        assertEquals(200, get("/ready").statusCode());
    }

    @Test
    void withoutAKeyMetricsIsOpen() throws Exception {
        start(AuthKey.NONE);
        assertEquals(200, get("/metrics").statusCode());
    }

    @Test
    void theKeyNeverPrints() {
        assertEquals("AuthKey[metricsAuthKey=****]", new AuthKey("metricsAuthKey", "s3cr3t").toString());
    }
}

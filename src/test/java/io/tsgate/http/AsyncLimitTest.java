package io.tsgate.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tsgate.auth.OpenAccessAuthenticator;
import io.tsgate.config.HttpServerConfig;
import io.tsgate.limits.LimitVerdict;
import io.tsgate.limits.Limiter;
import io.tsgate.policy.DecisionObserver;
import io.tsgate.policy.RequestAuthorizer;
import io.tsgate.request.Tenant;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A limit check that waits for its backend (Redis) leaves the event loop free: other connections are answered
 * meanwhile, the response follows when the backend answers, behind it on the same connection the next pipelined
 * response waits its turn, and a failed backend answers with the failure-mode denial.
 */
class AsyncLimitTest {
    /** Limit checks the test has not answered yet, in arrival order. */
    private final LinkedBlockingQueue<CompletableFuture<LimitVerdict>> pending = new LinkedBlockingQueue<>();
    private AdminHttpServer server;

    @BeforeEach
    void start() throws Exception {
        Limiter backend = new Limiter() {
            @Override
            public CompletionStage<LimitVerdict> acquireQuery(Tenant tenant) {
                CompletableFuture<LimitVerdict> f = new CompletableFuture<>();
                pending.add(f);
                return f;
            }

            @Override
            public CompletionStage<LimitVerdict> admitWrite(Tenant tenant, long rows, long[] seriesHashes) {
                return CompletableFuture.completedFuture(LimitVerdict.UNLIMITED);
            }

            @Override
            public boolean countsWrites(Tenant tenant) {
                return false;
            }
        };
        PrometheusRegistry registry = new PrometheusRegistry();
        RequestAuthorizer authorizer = new RequestAuthorizer(new OpenAccessAuthenticator("authorization"), false, backend);
        server = new AdminHttpServer(new InetSocketAddress("127.0.0.1", 0), registry, () -> null, Map.of(),
                new ForwardAuthHandler(authorizer, new DecisionObserver(registry, 0, false), Map.of()), null,
                HttpServerConfig.DEFAULTS);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void aWaitingLimitCheckHoldsOnlyItsOwnResponse() throws Exception {
        try (RawHttp waiting = new RawHttp(server.port()); RawHttp other = new RawHttp(server.port())) {
            waiting.send(RawHttp.get("/authz/api/v1/query?query=up") + RawHttp.get("/health"));
            CompletableFuture<LimitVerdict> check = pending.poll(5, TimeUnit.SECONDS);
            assertTrue(check != null, "the limit check was asked");
            for (int i = 0; i < 20; i++) {
                assertEquals(200, other.exchange(RawHttp.get("/health")).status(), "the loop is free meanwhile");
            }
            assertTrue(waiting.silentFor(Duration.ofMillis(200)), "nothing answered out of order");

            CompletableFuture.runAsync(() -> check.complete(new LimitVerdict(false, "queries", 10, 0, 42)));
            RawHttp.Response limited = waiting.read();
            assertEquals(429, limited.status());
            assertEquals("limit_queries", limited.header("x-tsgate-reason"));
            assertEquals("42", limited.header("retry-after"));
            assertEquals("OK\n", waiting.read().body(), "the pipelined /health follows it");
        }
    }

    @Test
    void aFailedBackendGetsTheFailureModeAnswer() throws Exception {
        try (RawHttp c = new RawHttp(server.port())) {
            c.send(RawHttp.get("/authz/api/v1/query?query=up"));
            CompletableFuture<LimitVerdict> check = pending.poll(5, TimeUnit.SECONDS);
            assertTrue(check != null, "the limit check was asked");
            CompletableFuture.runAsync(() -> check.completeExceptionally(new IllegalStateException("redis down")));
            RawHttp.Response r = c.read();
            assertEquals(429, r.status());
            assertEquals("limit_backend_unavailable", r.header("x-tsgate-reason"));
        }
    }
}

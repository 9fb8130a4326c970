package io.tsgate.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tsgate.config.HttpServerConfig;
import io.tsgate.policy.DecisionObserver;
import io.tsgate.policy.Deny;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Closing the listener: no new connections, idle ones closed at once, a request in progress still answered. */
class GracefulCloseTest {
    @Test
    void closeFinishesTheResponseInProgressAndClosesIdleConnections() throws Exception {
        PrometheusRegistry registry = new PrometheusRegistry();
        CountDownLatch scraping = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        GaugeWithCallback.builder().name("slow_gauge").help("blocks a scrape until the test releases it")
                .callback(cb -> {
                    scraping.countDown();
                    try {
                        release.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    cb.call(1);
                }).register(registry);
        AdminHttpServer server = new AdminHttpServer(new InetSocketAddress("127.0.0.1", 0), registry, () -> null,
                Map.of(), new ForwardAuthHandler(r -> Deny.of(401, "missing_credential", "no credential"),
                        new DecisionObserver(registry, 0, false), Map.of(), false),
                null, HttpServerConfig.DEFAULTS);
        int port = server.port();
        try (RawHttp busy = new RawHttp(port); RawHttp idle = new RawHttp(port)) {
            assertEquals(200, idle.exchange(RawHttp.get("/health")).status());
            busy.send(RawHttp.get("/metrics"));
            assertTrue(scraping.await(5, TimeUnit.SECONDS), "the scrape started");

            long start = System.nanoTime();
            CompletableFuture<Void> closing = CompletableFuture.runAsync(server::close);
            assertTrue(idle.closedByServerWithin(Duration.ofSeconds(2)), "an idle connection is closed at once");
            assertThrows(ConnectException.class, () -> new Socket("127.0.0.1", port).close(), "no new connections");

            // close() tells each connection to drain on its own event loop; the scrape's answer must come after that.
            server.drainsStarted().get(5, TimeUnit.SECONDS);
            release.countDown();
            RawHttp.Response r = busy.read();
            assertEquals(200, r.status());
            assertTrue(r.body().contains("slow_gauge 1.0"), r.body());
            assertEquals("close", r.header("connection"), "the last response says the connection ends");
            assertTrue(busy.closedByServerWithin(Duration.ofSeconds(2)));
            closing.get(10, TimeUnit.SECONDS);
            assertTrue((System.nanoTime() - start) / 1e9 < 5, "close() waited for nothing but the owed response");
        } finally {
            release.countDown();
        }
    }
}

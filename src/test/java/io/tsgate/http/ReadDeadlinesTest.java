package io.tsgate.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tsgate.config.HttpServerConfig;
import io.tsgate.policy.DecisionObserver;
import io.tsgate.policy.Deny;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code -http.headerReadTimeout} and {@code -http.idleConnTimeout}, shortened to 1 s and 2 s: when each closes a
 * connection, and that a slowloris dripping header bytes cannot stretch the header deadline.
 */
class ReadDeadlinesTest {
    private static final Duration HEADER = Duration.ofSeconds(1);
    private static final Duration IDLE = Duration.ofSeconds(2);
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private AdminHttpServer server;

    @BeforeEach
    void start() throws Exception {
        server = new AdminHttpServer(new InetSocketAddress("127.0.0.1", 0), registry, () -> null, Map.of(),
                new ForwardAuthHandler(r -> Deny.of(401, "missing_credential", "no credential"),
                        new DecisionObserver(registry, 0, false), Map.of(), false),
                null, new HttpServerConfig(HEADER, IDLE, 64 * 1024, 100));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /** Seconds until the server closes {@code c}; fails when that takes longer than {@code limit}. */
    private static double secondsUntilClosed(RawHttp c, long since, Duration limit) throws Exception {
        assertTrue(c.closedByServerWithin(limit), "still open after " + limit);
        return (System.nanoTime() - since) / 1e9;
    }

    @Test
    void halfSentHeadersAreClosedAtTheHeaderReadTimeout() throws Exception {
        try (RawHttp c = new RawHttp(server.port())) {
            long start = System.nanoTime();
            c.send("GET /health HTTP/1.1\r\nHost: x\r\n");
            double s = secondsUntilClosed(c, start, Duration.ofSeconds(3));
            assertTrue(s > 0.8, "closed after " + s + " s");
        }
        try (RawHttp c = new RawHttp(server.port())) {
            String metrics = c.exchange(RawHttp.get("/metrics")).body();
            assertTrue(metrics.contains("tsgate_http_refused_total{reason=\"header_read_timeout\"} 1.0"), metrics);
        }
    }

    @Test
    void aConnectionThatSendsNothingIsClosedAtTheHeaderReadTimeout() throws Exception {
        try (RawHttp c = new RawHttp(server.port())) {
            double s = secondsUntilClosed(c, System.nanoTime(), Duration.ofSeconds(3));
            assertTrue(s > 0.8, "closed after " + s + " s");
        }
    }

    /** One byte every 100 ms keeps the connection busy but never completes the headers. */
    @Test
    void drippedHeaderBytesDoNotExtendTheHeaderDeadline() throws Exception {
        ScheduledExecutorService drip = Executors.newSingleThreadScheduledExecutor();
        try (RawHttp c = new RawHttp(server.port())) {
            c.exchange(RawHttp.get("/health"));
            long start = System.nanoTime();
            drip.scheduleAtFixedRate(() -> {
                try {
                    c.send("X");
                } catch (Exception e) {
                    // closed: the test reads that below
                }
            }, 0, 100, TimeUnit.MILLISECONDS);
            double s = secondsUntilClosed(c, start, Duration.ofMillis(2500));
            assertTrue(s > 0.8 && s < 1.9, "closed after " + s + " s: by the header deadline, not the idle one");
        } finally {
            drip.shutdownNow();
        }
    }

    @Test
    void anIdleKeepAliveConnectionIsClosedAtTheIdleTimeout() throws Exception {
        try (RawHttp c = new RawHttp(server.port())) {
            assertEquals(200, c.exchange(RawHttp.get("/health")).status());
            long start = System.nanoTime();
            double s = secondsUntilClosed(c, start, Duration.ofSeconds(4));
            assertTrue(s > 1.6, "closed after " + s + " s, before -http.idleConnTimeout");
        }
    }

    @Test
    void requestsWithinTheTimeoutsKeepTheConnection() throws Exception {
        try (RawHttp c = new RawHttp(server.port())) {
            long end = System.nanoTime() + Duration.ofMillis(2500).toNanos();
            int answered = 0;
            while (System.nanoTime() < end) {
                assertEquals(200, c.exchange(RawHttp.get("/health")).status());
                answered++;
                assertTrue(c.silentFor(Duration.ofMillis(300)), "closed while in use");
            }
            assertTrue(answered >= 5, "answered " + answered);
        }
    }
}

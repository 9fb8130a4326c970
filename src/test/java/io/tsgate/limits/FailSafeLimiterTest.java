package io.tsgate.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tsgate.auth.Tenant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

class FailSafeLimiterTest {
    private static final Tenant T = new Tenant(2, 3);

    /** A backend that fails every call, as a Redis that is down does. */
    private static final Limiter BROKEN = new Limiter() {
        @Override
        public CompletionStage<LimitVerdict> acquireQuery(Tenant tenant) {
            return CompletableFuture.failedFuture(new IllegalStateException("connection refused"));
        }

        @Override
        public CompletionStage<LimitVerdict> admitWrite(Tenant tenant, long rows, long[] seriesHashes) {
            throw new IllegalStateException("thrown, not returned");
        }

        @Override
        public boolean countsWrites(Tenant tenant) {
            return true;
        }
    };

    @Test
    void openModeAllowsWhenTheBackendFails() {
        FailSafeLimiter l = new FailSafeLimiter(BROKEN, "redis", FailureMode.OPEN, new PrometheusRegistry());
        assertEquals(LimitVerdict.UNLIMITED, l.acquireQuery(T).toCompletableFuture().join());
        assertEquals(LimitVerdict.UNLIMITED, l.admitWrite(T, 5, new long[0]).toCompletableFuture().join());
    }

    @Test
    void closedModeRefusesWhenTheBackendFails() {
        FailSafeLimiter l = new FailSafeLimiter(BROKEN, "redis", FailureMode.CLOSED, new PrometheusRegistry());
        LimitVerdict v = l.acquireQuery(T).toCompletableFuture().join();
        assertEquals(new LimitVerdict(false, FailSafeLimiter.BACKEND_UNAVAILABLE, 0, 0, 1), v);
        assertEquals(v, l.admitWrite(T, 5, new long[0]).toCompletableFuture().join());
    }

    /** Fails while {@code down}, then answers; asynchronously, as the Redis backend completes on its own threads. */
    private static final class Flaky implements Limiter {
        volatile boolean down = true;

        @Override
        public CompletionStage<LimitVerdict> acquireQuery(Tenant tenant) {
            return CompletableFuture.supplyAsync(() -> {
                if (down) {
                    throw new IllegalStateException("timeout", new java.io.IOException("connection reset"));
                }
                return new LimitVerdict(true, "queries", 5, 4, 60);
            });
        }

        @Override
        public CompletionStage<LimitVerdict> admitWrite(Tenant tenant, long rows, long[] seriesHashes) {
            return acquireQuery(tenant);
        }

        @Override
        public boolean countsWrites(Tenant tenant) {
            return tenant.accountId() == 2;
        }

        @Override
        public String unavailableReason() {
            return down ? "down" : null;
        }
    }

    @Test
    void failuresAreCountedAndTheBackendIsReportedDownUntilItAnswers() {
        PrometheusRegistry registry = new PrometheusRegistry();
        Flaky backend = new Flaky();
        FailSafeLimiter l = new FailSafeLimiter(backend, "redis", FailureMode.CLOSED, registry);
        assertEquals(1, MetricText.value(registry, "tsgate_ratelimit_backend_up", "backend=\"redis\""));
        assertEquals(FailSafeLimiter.UNAVAILABLE, l.acquireQuery(T).toCompletableFuture().join());
        assertEquals(FailSafeLimiter.UNAVAILABLE, l.admitWrite(T, 1, new long[0]).toCompletableFuture().join());
        assertEquals(2, MetricText.value(registry, "tsgate_ratelimit_backend_failures_total",
                "backend=\"redis\",failure_mode=\"closed\""));
        assertEquals(0, MetricText.value(registry, "tsgate_ratelimit_backend_up", "backend=\"redis\""));
        assertEquals("down", l.unavailableReason());
        backend.down = false;
        assertEquals(new LimitVerdict(true, "queries", 5, 4, 60), l.acquireQuery(T).toCompletableFuture().join());
        assertEquals(1, MetricText.value(registry, "tsgate_ratelimit_backend_up", "backend=\"redis\""));
        assertEquals(null, l.unavailableReason());
        assertEquals(true, l.countsWrites(T));
        assertEquals(false, l.countsWrites(new Tenant(7, 3)));
    }

    @Test
    void anAlreadyAnsweredCheckMarksTheBackendUpAgain() {
        PrometheusRegistry registry = new PrometheusRegistry();
        boolean[] down = {true};
        Limiter local = new Limiter() {
            @Override
            public CompletionStage<LimitVerdict> acquireQuery(Tenant tenant) {
                return down[0] ? CompletableFuture.failedFuture(new IllegalStateException("broken"))
                        : CompletableFuture.completedFuture(LimitVerdict.UNLIMITED);
            }

            @Override
            public CompletionStage<LimitVerdict> admitWrite(Tenant tenant, long rows, long[] seriesHashes) {
                return acquireQuery(tenant);
            }

            @Override
            public boolean countsWrites(Tenant tenant) {
                return false;
            }
        };
        FailSafeLimiter l = new FailSafeLimiter(local, "local", FailureMode.OPEN, registry);
        assertEquals(LimitVerdict.UNLIMITED, l.acquireQuery(T).toCompletableFuture().join());
        assertEquals(0, MetricText.value(registry, "tsgate_ratelimit_backend_up", "backend=\"local\""));
        assertEquals(1, MetricText.value(registry, "tsgate_ratelimit_backend_failures_total",
                "backend=\"local\",failure_mode=\"open\""));
        down[0] = false;
        assertEquals(LimitVerdict.UNLIMITED, l.admitWrite(T, 1, new long[0]).toCompletableFuture().join());
        assertEquals(1, MetricText.value(registry, "tsgate_ratelimit_backend_up", "backend=\"local\""));
    }
}

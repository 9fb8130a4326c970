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
}

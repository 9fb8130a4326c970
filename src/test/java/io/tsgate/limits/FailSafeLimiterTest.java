package io.tsgate.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.prometheus.metrics.model.snapshots.GaugeSnapshot;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tsgate.request.Tenant;
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

    /**
     * A backend whose own view of its connection the test sets: a query of tenant {@link #T} goes to the backend
     * (answered later, as Redis does), a write is answered from memory (as for a tenant without limits).
     */
    private static final class Switchable implements Limiter {
        final Later later = new Later();
        volatile String down;
        /** Checks time out although the backend says it is connected. */
        volatile boolean timingOut;

        @Override
        public CompletionStage<LimitVerdict> acquireQuery(Tenant tenant) {
            return down == null && !timingOut ? later.answer(() -> LimitVerdict.UNLIMITED)
                    : CompletableFuture.failedFuture(new IllegalStateException(down == null ? "timeout" : down));
        }

        @Override
        public CompletionStage<LimitVerdict> admitWrite(Tenant tenant, long rows, long[] seriesHashes) {
            return CompletableFuture.completedFuture(LimitVerdict.UNLIMITED);
        }

        @Override
        public boolean countsWrites(Tenant tenant) {
            return true;
        }

        @Override
        public String unavailableReason() {
            return down;
        }
    }

    /**
     * A backend's answer that arrives after the call returned, as Redis' does: completed only when the test joins,
     * so the decorator always sees it pending (an answer completed before it looks reads as one from memory).
     */
    private static final class Later {
        private final java.util.Queue<Runnable> pending = new java.util.concurrent.ConcurrentLinkedQueue<>();

        CompletableFuture<LimitVerdict> answer(java.util.function.Supplier<LimitVerdict> verdict) {
            CompletableFuture<LimitVerdict> f = new CompletableFuture<>();
            pending.add(() -> f.complete(verdict.get()));
            return f;
        }

        <V> V join(CompletionStage<V> stage) {
            for (Runnable r; (r = pending.poll()) != null; ) {
                r.run();
            }
            return stage.toCompletableFuture().join();
        }
    }

    private static double up(PrometheusRegistry registry) {
        return registry.scrape().stream().filter(s -> s.getMetadata().getName().equals("tsgate_ratelimit_backend_up"))
                .map(s -> ((GaugeSnapshot) s).getDataPoints().get(0).getValue()).findFirst().orElseThrow();
    }

    /** An outage shows in the metric without any request asking for a limit (before: 1 until a check failed). */
    @Test
    void probeReportsABackendOutageWithoutTraffic() {
        PrometheusRegistry registry = new PrometheusRegistry();
        Switchable backend = new Switchable();
        FailSafeLimiter l = new FailSafeLimiter(backend, "redis", FailureMode.OPEN, registry);
        l.probe();
        assertEquals(1.0, up(registry));
        backend.down = "redis unreachable (reconnecting)";
        l.probe();
        assertEquals(0.0, up(registry));
        backend.down = null;
        l.probe();
        assertEquals(1.0, up(registry));
    }

    /**
     * A failed check (a timeout while connected) marks the backend down until a check reaches it again: not a probe
     * that never saw it down, not an answer from memory (before, every unlimited tenant's request "recovered" it).
     */
    @Test
    void aFailedCheckKeepsTheMetricDownUntilACheckReachesTheBackend() {
        PrometheusRegistry registry = new PrometheusRegistry();
        Switchable backend = new Switchable();
        FailSafeLimiter l = new FailSafeLimiter(backend, "redis", FailureMode.CLOSED, registry);
        backend.timingOut = true;
        assertEquals(FailSafeLimiter.UNAVAILABLE, l.acquireQuery(T).toCompletableFuture().join());
        l.probe();
        assertEquals(0.0, up(registry), "the probe never saw it down: a connected backend may still time out");
        assertEquals(LimitVerdict.UNLIMITED, l.admitWrite(T, 1, new long[0]).toCompletableFuture().join());
        assertEquals(0.0, up(registry), "an answer from memory proves nothing");
        backend.timingOut = false;
        assertEquals(LimitVerdict.UNLIMITED, backend.later.join(l.acquireQuery(T)));
        assertEquals(1.0, up(registry));
    }

    /** The probe saw it down and then back: that ends the checks' failure too, without waiting for traffic. */
    @Test
    void aBackendSeenDownAndBackIsUpWithoutTraffic() {
        PrometheusRegistry registry = new PrometheusRegistry();
        Switchable backend = new Switchable();
        FailSafeLimiter l = new FailSafeLimiter(backend, "redis", FailureMode.OPEN, registry);
        backend.down = "redis unreachable (reconnecting)";
        l.probe();
        assertEquals(LimitVerdict.UNLIMITED, l.acquireQuery(T).toCompletableFuture().join(), "fail open");
        backend.down = null;
        l.probe();
        assertEquals(1.0, up(registry));
    }

    /** An outage between two probes: the checks failed while the backend said it was down, so its return ends it. */
    @Test
    void anOutageBetweenTwoProbesEndsWhenTheBackendSaysItIsBack() {
        PrometheusRegistry registry = new PrometheusRegistry();
        Switchable backend = new Switchable();
        FailSafeLimiter l = new FailSafeLimiter(backend, "datasource", FailureMode.OPEN, registry);
        l.probe();
        backend.down = "datasource query failed";
        l.acquireQuery(T).toCompletableFuture().join();
        assertEquals(0.0, up(registry));
        backend.down = null;
        l.probe();
        assertEquals(1.0, up(registry));
    }

    /** Fails while {@code down}, then answers later, as the Redis backend completes on its own threads. */
    private static final class Flaky implements Limiter {
        final Later later = new Later();
        volatile boolean down = true;

        @Override
        public CompletionStage<LimitVerdict> acquireQuery(Tenant tenant) {
            if (down) {
                return CompletableFuture.failedFuture(
                        new IllegalStateException("timeout", new java.io.IOException("connection reset")));
            }
            return later.answer(() -> new LimitVerdict(true, "queries", 5, 4, 60));
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
        assertEquals(0, MetricText.value(registry, "tsgate_ratelimit_backend_failures_total",
                "backend=\"redis\",failure_mode=\"closed\""),
                "the failure series exists at 0 before the first failure, so increase() alerts see that one");
        assertEquals(FailSafeLimiter.UNAVAILABLE, l.acquireQuery(T).toCompletableFuture().join());
        assertEquals(FailSafeLimiter.UNAVAILABLE, l.admitWrite(T, 1, new long[0]).toCompletableFuture().join());
        assertEquals(2, MetricText.value(registry, "tsgate_ratelimit_backend_failures_total",
                "backend=\"redis\",failure_mode=\"closed\""));
        assertEquals(0, MetricText.value(registry, "tsgate_ratelimit_backend_up", "backend=\"redis\""));
        assertEquals("down", l.unavailableReason());
        backend.down = false;
        assertEquals(new LimitVerdict(true, "queries", 5, 4, 60), backend.later.join(l.acquireQuery(T)));
        assertEquals(1, MetricText.value(registry, "tsgate_ratelimit_backend_up", "backend=\"redis\""));
        assertEquals(null, l.unavailableReason());
        assertEquals(true, l.countsWrites(T));
        assertEquals(false, l.countsWrites(new Tenant(7, 3)));
    }
}

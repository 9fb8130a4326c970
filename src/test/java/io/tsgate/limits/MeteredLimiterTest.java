package io.tsgate.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tsgate.request.Tenant;
import io.tsgate.testing.MutableClock;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

/**
 * The per-tenant metrics decorator: it passes every verdict and answer of the backend through unchanged and counts
 * allowed reads, rows of admitted writes and refusals by limit type; series gauges exist only for backends that
 * estimate series.
 */
class MeteredLimiterTest {
    private static final Tenant T = new Tenant(2, 3);
    private static final String IDS = "account_id=\"2\",project_id=\"3\"";
    private final MutableClock clock = new MutableClock(Instant.parse("2030-05-06T07:08:00Z"));
    private final PrometheusRegistry registry = new PrometheusRegistry();

    private LocalLimiter local(String yaml) throws Exception {
        LimitRules rules = LimitFile.parse(yaml, "test");
        return new LocalLimiter(clock, () -> rules);
    }

    @Test
    void readsAreCountedWhenAllowedAndRefusalsByType() throws Exception {
        LocalLimiter backend = local("limits: [{type: queries, value: 1, resolution: minute}]");
        MeteredLimiter l = new MeteredLimiter(backend, backend, registry);
        assertEquals(new LimitVerdict(true, "queries", 1, 0, 60), l.acquireQuery(T).toCompletableFuture().join());
        assertEquals(new LimitVerdict(false, "queries", 1, 0, 60), l.acquireQuery(T).toCompletableFuture().join());
        assertEquals(1, MetricText.value(registry, "tsgate_tenant_requests_total", IDS));
        assertEquals(1, MetricText.value(registry, "tsgate_tenant_limit_hits_total", IDS + ",type=\"queries\""));
    }

    @Test
    void rowsOfAdmittedWritesAreCountedAndRefusedOnesAreNot() throws Exception {
        LocalLimiter backend = local("limits: [{type: rows_inserted, value: 5, resolution: minute}, "
                + "{type: active_series, value: 100, resolution: hour}]");
        MeteredLimiter l = new MeteredLimiter(backend, backend, registry);
        assertTrue(l.countsWrites(T));
        assertEquals(new LimitVerdict(true, "rows_inserted", 5, 2, 60),
                l.admitWrite(T, 3, new long[] {1, 2}).toCompletableFuture().join());
        assertEquals(new LimitVerdict(false, "rows_inserted", 5, 0, 60),
                l.admitWrite(T, 3, new long[] {3}).toCompletableFuture().join());
        assertEquals(3, MetricText.value(registry, "tsgate_tenant_rows_inserted_total", IDS));
        assertEquals(1, MetricText.value(registry, "tsgate_tenant_limit_hits_total", IDS + ",type=\"rows_inserted\""));
        assertEquals(2, MetricText.value(registry, "tsgate_tenant_active_series", IDS));
        assertEquals(2, MetricText.value(registry, "tsgate_tenant_new_series", IDS + ",resolution=\"minute\""));
    }

    @Test
    void countsWritesAndReadinessAreTheBackends() {
        Limiter backend = new Limiter() {
            @Override
            public CompletionStage<LimitVerdict> acquireQuery(Tenant tenant) {
                return CompletableFuture.completedFuture(LimitVerdict.UNLIMITED);
            }

            @Override
            public CompletionStage<LimitVerdict> admitWrite(Tenant tenant, long rows, long[] seriesHashes) {
                return CompletableFuture.completedFuture(LimitVerdict.UNLIMITED);
            }

            @Override
            public boolean countsWrites(Tenant tenant) {
                return tenant.accountId() == 2;
            }

            @Override
            public String unavailableReason() {
                return "redis: connection refused";
            }
        };
        MeteredLimiter l = new MeteredLimiter(backend, null, registry);
        assertTrue(l.countsWrites(T));
        assertFalse(l.countsWrites(new Tenant(9, 3)));
        assertEquals("redis: connection refused", l.unavailableReason());
        assertFalse(MetricText.scrape(registry).contains("tsgate_tenant_active_series"),
                "no series gauges without a series estimator");
        assertTrue(l.admitWrite(T, 4, new long[0]).toCompletableFuture().join().allowed());
        assertEquals(4, MetricText.value(registry, "tsgate_tenant_rows_inserted_total", IDS));
        assertNull(new MeteredLimiter(new UnlimitedLimiter(), null, new PrometheusRegistry()).unavailableReason());
    }
}

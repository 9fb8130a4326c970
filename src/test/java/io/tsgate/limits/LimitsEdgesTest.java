package io.tsgate.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tsgate.request.Tenant;
import io.tsgate.testing.MutableClock;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Small contracts the limiters rely on: the no-limit limiter, which types count series, rule sets, bounds. */
class LimitsEdgesTest {
    private static final Tenant T = new Tenant(1, 5);

    @Test
    void withoutLimitsEverythingPassesAndNoBodyIsCounted() {
        UnlimitedLimiter l = new UnlimitedLimiter();
        assertSame(LimitVerdict.UNLIMITED, l.acquireQuery(T).toCompletableFuture().join());
        assertSame(LimitVerdict.UNLIMITED, l.admitWrite(T, 1_000_000, new long[] {1, 2}).toCompletableFuture().join());
        assertFalse(l.countsWrites(T));
    }

    @Test
    void onlySeriesTypesCountSeries() {
        assertFalse(LimitType.QUERIES.countsSeries());
        assertFalse(LimitType.ROWS_INSERTED.countsSeries());
        assertTrue(LimitType.NEW_SERIES.countsSeries());
        assertTrue(LimitType.ACTIVE_SERIES.countsSeries());
    }

    @Test
    void aFileWithoutEntriesHasNoRules() throws Exception {
        assertTrue(LimitFile.parse("limits:\n", "t").isEmpty());
        assertTrue(LimitFile.parse("", "t").isEmpty());
        LimitRules two = LimitFile.parse("limits: [{type: queries, value: 1, resolution: minute},"
                + " {type: queries, value: 9, resolution: hour}]", "t");
        assertFalse(two.isEmpty());
        assertEquals("2 limits", two.toString());
    }

    /** Values run from 0 to the type's maximum inclusive; tenant ids from 0 to 2^32-1. */
    @Test
    void numbersAreReadUpToTheirBoundsInclusive() throws Exception {
        assertEquals(0, LimitFile.parse("limits: [{type: queries, value: 0, resolution: minute}]", "t").all().get(0).value());
        assertEquals(Long.MAX_VALUE, LimitFile.parse("limits: [{type: queries, value: " + Long.MAX_VALUE
                + ", resolution: minute}]", "t").all().get(0).value());
        assertEquals(new Tenant(Tenant.MAX_ID, 0), LimitFile.parse("limits: [{type: queries, value: 1, resolution: minute,"
                + " account_id: " + Tenant.MAX_ID + "}]", "t").all().get(0).tenant());
        for (String bad : new String[] {"value: -1", "value: 1.5", "value: 9223372036854775808",
            "value: 1, account_id: " + (Tenant.MAX_ID + 1), "value: 1, project_id: -1"}) {
            assertThrows(InvalidLimitFileException.class, () -> LimitFile.parse(
                    "limits: [{type: queries, " + bad + ", resolution: minute}]", "t"), bad);
        }
    }

    @Test
    void theTighterVerdictHasLessLeft() {
        LimitVerdict five = new LimitVerdict(true, "queries", 10, 5, 1);
        LimitVerdict two = new LimitVerdict(true, "rows_inserted", 10, 2, 1);
        LimitVerdict alsoTwo = new LimitVerdict(true, "new_series", 10, 2, 1);
        assertSame(two, LocalLimiter.tighter(five, two));
        assertSame(two, LocalLimiter.tighter(two, five));
        assertSame(two, LocalLimiter.tighter(two, alsoTwo), "a tie keeps the first");
        assertSame(five, LocalLimiter.tighter(five, null));
        assertSame(five, LocalLimiter.tighter(null, five));
    }

    /** Allowed reads and refusals are counted apart: two allowed and one refused are 2 requests and 1 hit. */
    @Test
    void allowedReadsAndRefusalsAreCountedApart() throws Exception {
        PrometheusRegistry registry = new PrometheusRegistry();
        LimitRules rules = LimitFile.parse("limits: [{type: queries, value: 2, resolution: minute}]", "t");
        LocalLimiter backend = new LocalLimiter(new MutableClock(Instant.parse("2026-01-01T00:00:00Z")), () -> rules);
        MeteredLimiter l = new MeteredLimiter(backend, backend, registry);
        for (int i = 0; i < 3; i++) {
            l.acquireQuery(T).toCompletableFuture().join();
        }
        String ids = "account_id=\"1\",project_id=\"5\"";
        assertEquals(2, MetricText.value(registry, "tsgate_tenant_requests_total", ids));
        assertEquals(1, MetricText.value(registry, "tsgate_tenant_limit_hits_total", ids + ",type=\"queries\""));
    }
}

package io.tsgate.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tsgate.request.Tenant;
import io.tsgate.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The datasource backend on writes and at its boundaries: each limit type is read from its own query, a write is
 * refused by the first type at its limit, the tightest allowed verdict wins, and admitted series feed the local
 * estimates that the default series queries read back.
 */
class DatasourceLimiterWriteTest {
    private static final Tenant T = new Tenant(1, 5);
    private static final Tenant OTHER = new Tenant(7, 0);
    // 20 s into a minute, 20 s into an hour: 40 s to the minute's end, 3580 s to the hour's
    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:20Z"));
    private final List<String> asked = new ArrayList<>();
    /** Usage per query, chosen by the metric name in it. */
    private final Map<String, Map<Tenant, Double>> usage = new HashMap<>();
    private RuntimeException failure;

    private final UsageSource source = promql -> {
        asked.add(promql);
        if (failure != null) {
            throw failure;
        }
        for (Map.Entry<String, Map<Tenant, Double>> e : usage.entrySet()) {
            if (promql.contains(e.getKey())) {
                return e.getValue();
            }
        }
        return Map.of();
    };

    private DatasourceLimiter limiter(String yaml) throws Exception {
        LimitRules rules = LimitFile.parse(yaml, "t");
        return new DatasourceLimiter(clock, () -> rules, source, new DatasourceQueries(Map.of(), List.of()));
    }

    private static LimitVerdict write(DatasourceLimiter l, Tenant t, long rows, long... series) {
        return l.admitWrite(t, rows, series).toCompletableFuture().join();
    }

    @Test
    void eachTypeAndResolutionIsQueriedOnce() throws Exception {
        DatasourceLimiter l = limiter("""
                limits:
                  - {type: rows_inserted, value: 10, resolution: minute}
                  - {type: rows_inserted, value: 50, resolution: minute, account_id: 1, project_id: 5}
                  - {type: rows_inserted, value: 90, resolution: hour}
                  - {type: queries, value: 5, resolution: minute}
                """);
        l.refresh();
        assertEquals(3, asked.size(), asked.toString());
        assertTrue(asked.get(0).contains("tsgate_tenant_rows_inserted_total") && asked.get(0).contains("[1m]"), asked.get(0));
        assertTrue(asked.get(1).contains("[1h]"), asked.get(1));
        assertTrue(asked.get(2).contains("tsgate_tenant_requests_total"), asked.get(2));
    }

    @Test
    void usageJustUnderTheLimitIsAllowedWithNothingLeftAndAtTheLimitIsRefused() throws Exception {
        DatasourceLimiter l = limiter("limits: [{type: rows_inserted, value: 10, resolution: minute}]");
        usage.put("rows_inserted", Map.of(T, 9.0, OTHER, 10.0));
        l.refresh();
        assertEquals(new LimitVerdict(true, "rows_inserted", 10, 0, 40), write(l, T, 5));
        assertEquals(new LimitVerdict(false, "rows_inserted", 10, 0, 40), write(l, OTHER, 1));
        assertEquals(new LimitVerdict(true, "rows_inserted", 10, 9, 40), write(l, new Tenant(3, 3), 1),
                "a tenant the datasource does not list has used nothing");
    }

    /** Usage from increase() is fractional: it is rounded to the nearest row, as the limit is a whole number. */
    @Test
    void fractionalUsageIsRoundedToTheNearestWhole() throws Exception {
        DatasourceLimiter l = limiter("limits: [{type: rows_inserted, value: 10, resolution: minute}]");
        usage.put("rows_inserted", Map.of(T, 9.49, OTHER, 9.5));
        l.refresh();
        assertEquals(new LimitVerdict(true, "rows_inserted", 10, 0, 40), write(l, T, 1));
        assertEquals(new LimitVerdict(false, "rows_inserted", 10, 0, 40), write(l, OTHER, 1));
    }

    @Test
    void theFirstTypeAtItsLimitRefusesTheWriteAndNoSeriesAreRecorded() throws Exception {
        DatasourceLimiter l = limiter("""
                limits:
                  - {type: rows_inserted, value: 100, resolution: hour}
                  - {type: new_series, value: 5, resolution: minute}
                  - {type: active_series, value: 1000, resolution: hour}
                """);
        usage.put("rows_inserted", Map.of(T, 1.0));
        usage.put("new_series", Map.of(T, 5.0));
        l.refresh();
        assertEquals(new LimitVerdict(false, "new_series", 5, 0, 40), write(l, T, 1, 11L, 12L));
        assertEquals(0, l.activeSeries(T), "a refused write adds no series to the estimates");
        assertEquals(Set.of(), l.tenants());
    }

    @Test
    void theTightestAllowedVerdictOfAllTypesIsTheAnswer() throws Exception {
        DatasourceLimiter l = limiter("""
                limits:
                  - {type: rows_inserted, value: 100, resolution: hour}
                  - {type: rows_inserted, value: 20, resolution: minute}
                  - {type: new_series, value: 50, resolution: hour}
                  - {type: active_series, value: 1000, resolution: hour}
                """);
        usage.put("rows_inserted", Map.of(T, 10.0));
        usage.put("new_series", Map.of(T, 45.0));
        usage.put("active_series", Map.of(T, 900.0));
        l.refresh();
        // left: rows 89 (hour) and 9 (minute); new series 4; active series 99
        assertEquals(new LimitVerdict(true, "new_series", 50, 4, 3580), write(l, T, 1, 1L));
        usage.put("new_series", Map.of(T, 0.0));
        l.refresh();
        assertEquals(new LimitVerdict(true, "rows_inserted", 20, 9, 40), write(l, T, 1, 1L));
        usage.put("rows_inserted", Map.of());
        usage.put("active_series", Map.of(T, 990.0));
        l.refresh();
        assertEquals(new LimitVerdict(true, "active_series", 1000, 9, 3580), write(l, T, 1, 1L));
    }

    /**
     * Types without rules answered UNLIMITED, whose remaining of -1 then beat the real verdict of a series limit in
     * the comparison: a write under an active_series limit alone was answered "unlimited".
     */
    @Test
    void aSeriesLimitAloneAnswersWithItsOwnVerdict() throws Exception {
        DatasourceLimiter l = limiter("limits: [{type: new_series, value: 10, resolution: minute}]");
        usage.put("new_series", Map.of(T, 3.0));
        l.refresh();
        assertEquals(new LimitVerdict(true, "new_series", 10, 6, 40), write(l, T, 1, 1L));
    }

    @Test
    void aTenantWithoutWriteLimitsIsUnlimitedAndCountsNothing() throws Exception {
        DatasourceLimiter l = limiter("limits: [{type: queries, value: 5, resolution: minute}]");
        l.refresh();
        assertEquals(LimitVerdict.UNLIMITED, write(l, T, 1_000_000, 1L, 2L));
        assertEquals(false, l.countsWrites(T));
        assertEquals(Set.of(), l.tenants(), "no series estimates without series limits");
    }

    @Test
    void rowLimitsAloneAreCountedButKeepNoSeriesEstimates() throws Exception {
        DatasourceLimiter l = limiter("limits: [{type: rows_inserted, value: 5, resolution: minute}]");
        l.refresh();
        assertEquals(true, l.countsWrites(T));
        assertEquals(new LimitVerdict(true, "rows_inserted", 5, 4, 40), write(l, T, 1, 1L, 2L));
        assertEquals(Set.of(), l.tenants());
    }

    @Test
    void admittedSeriesFeedTheLocalEstimatesUntilIdle() throws Exception {
        for (String type : List.of("new_series", "active_series")) {
            DatasourceLimiter l = limiter("limits: [{type: " + type + ", value: 100, resolution: hour}]");
            l.refresh();
            write(l, T, 3, 1L, 2L, 3L);
            write(l, T, 2, 3L, 4L);
            assertEquals(Set.of(T), l.tenants(), type);
            assertEquals(4, l.activeSeries(T), type);
            assertEquals(4, l.newSeries(T, Resolution.HOUR), type);
            assertEquals(0, l.activeSeries(OTHER), type);
            clock.advance(Duration.ofHours(3));
            l.evictIdle();
            assertEquals(Set.of(), l.tenants(), type + ": idle sketches are dropped");
            clock.set(Instant.parse("2026-01-01T00:00:20Z"));
        }
    }

    @Test
    void writesFailWhileTheDatasourceFailsAndRecoverAfter() throws Exception {
        DatasourceLimiter l = limiter("limits: [{type: active_series, value: 10, resolution: hour}]");
        CompletableFuture<LimitVerdict> before = l.admitWrite(T, 1, new long[] {1L}).toCompletableFuture();
        assertTrue(before.isCompletedExceptionally(), "no usage yet");
        failure = new IllegalStateException("boom");
        l.refresh();
        assertEquals("datasource query failed: boom", l.unavailableReason());
        assertTrue(l.admitWrite(T, 1, new long[] {1L}).toCompletableFuture().isCompletedExceptionally());
        assertEquals(Set.of(), l.tenants(), "a write the backend could not check records nothing");
        failure = null;
        usage.put("active_series", Map.of(T, 2.0));
        l.refresh();
        assertNull(l.unavailableReason());
        assertEquals(new LimitVerdict(true, "active_series", 10, 7, 3580), write(l, T, 1, 1L));
        failure = new IllegalStateException("again");
        l.refresh();
        assertEquals("datasource query failed: again", l.unavailableReason());
        assertTrue(l.admitWrite(T, 1, new long[] {1L}).toCompletableFuture().isCompletedExceptionally(),
                "a failed refresh fails checks even though older usage is kept");
        failure = null;
        l.refresh();
        assertEquals(new LimitVerdict(true, "active_series", 10, 7, 3580), write(l, T, 1, 1L));
    }
}

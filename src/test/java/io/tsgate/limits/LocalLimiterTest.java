package io.tsgate.limits;

import io.tsgate.testing.MutableClock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tsgate.request.Tenant;
import java.time.Duration;
import java.time.Instant;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class LocalLimiterTest {
    private static final Tenant T = new Tenant(7, 0);
    private static final Tenant T15 = new Tenant(1, 5);
    /** 10 seconds into a minute, 10 minutes into an hour. */
    private static final Instant START = Instant.parse("2026-01-01T12:10:10Z");
    private final MutableClock clock = new MutableClock(START);

    private LocalLimiter limiter(String yaml) throws InvalidLimitFileException {
        LimitRules rules = LimitFile.parse(yaml, "test");
        return new LocalLimiter(clock, () -> rules);
    }

    private static LimitVerdict query(LocalLimiter l, Tenant t) {
        return l.acquireQuery(t).toCompletableFuture().getNow(null);
    }

    private static LimitVerdict write(LocalLimiter l, long rows, long... hashes) {
        return l.admitWrite(T, rows, hashes).toCompletableFuture().getNow(null);
    }

    @Test
    void queriesCountDownThenAreRefusedUntilTheMinuteEnds() throws Exception {
        LocalLimiter l = limiter("limits: [{type: queries, value: 3, resolution: minute}]");
        assertEquals(new LimitVerdict(true, "queries", 3, 2, 50), query(l, T));
        assertEquals(1, query(l, T).remaining());
        assertEquals(0, query(l, T).remaining());
        clock.advance(Duration.ofSeconds(49));
        assertEquals(new LimitVerdict(false, "queries", 3, 0, 1), query(l, T));
        clock.advance(Duration.ofSeconds(1));
        assertEquals(new LimitVerdict(true, "queries", 3, 2, 60), query(l, T));
    }

    @Test
    void refusedQueriesAreNotCounted() throws Exception {
        LocalLimiter l = limiter("limits: [{type: queries, value: 1, resolution: minute}, "
                + "{type: queries, value: 2, resolution: hour}]");
        assertTrue(query(l, T).allowed());
        for (int i = 0; i < 5; i++) {
            assertFalse(query(l, T).allowed());
        }
        clock.advance(Duration.ofMinutes(1));
        assertTrue(query(l, T).allowed(), "the refusals above did not use the hour budget");
    }

    @Test
    void hourLimitRefusesAcrossMinutesWithResetAtTheHour() throws Exception {
        LocalLimiter l = limiter("limits: [{type: queries, value: 5, resolution: minute}, "
                + "{type: queries, value: 7, resolution: hour}]");
        for (int i = 0; i < 5; i++) {
            assertTrue(query(l, T).allowed());
        }
        assertEquals("queries", query(l, T).type());
        clock.advance(Duration.ofMinutes(1));
        assertEquals(new LimitVerdict(true, "queries", 7, 1, 2930), query(l, T), "the hour is the tighter limit");
        assertTrue(query(l, T).allowed());
        LimitVerdict refused = query(l, T);
        assertEquals(new LimitVerdict(false, "queries", 7, 0, 2930), refused);
        clock.set(Instant.parse("2026-01-01T13:00:00Z"));
        assertTrue(query(l, T).allowed());
    }

    @Test
    void tenantOverrideReplacesTheGlobalEntryForThatTenantOnly() throws Exception {
        LocalLimiter l = limiter("""
                limits:
                  - {type: queries, value: 3, resolution: minute}
                  - {type: queries, value: 1, resolution: minute, account_id: 1, project_id: 5}
                """);
        assertTrue(query(l, T15).allowed());
        assertFalse(query(l, T15).allowed());
        for (int i = 0; i < 3; i++) {
            assertTrue(query(l, T).allowed());
        }
        assertFalse(query(l, T).allowed());
    }

    @Test
    void tenantsWithoutRulesAreUnlimited() throws Exception {
        LocalLimiter l = limiter("limits: [{type: queries, value: 1, resolution: minute, account_id: 1, project_id: 5}]");
        for (int i = 0; i < 10; i++) {
            assertEquals(LimitVerdict.UNLIMITED, query(l, T));
        }
        assertEquals(LimitVerdict.UNLIMITED, write(l, 100));
        assertFalse(l.countsWrites(T));
    }

    @Test
    void aWriteThatWouldExceedRowsIsRefusedWholeAndNotCounted() throws Exception {
        LocalLimiter l = limiter("limits: [{type: rows_inserted, value: 100, resolution: minute}]");
        assertTrue(l.countsWrites(T));
        assertEquals(new LimitVerdict(true, "rows_inserted", 100, 40, 50), write(l, 60));
        assertEquals(new LimitVerdict(false, "rows_inserted", 100, 0, 50), write(l, 50));
        assertEquals(new LimitVerdict(true, "rows_inserted", 100, 0, 50), write(l, 40));
        assertFalse(write(l, 1).allowed());
        clock.advance(Duration.ofSeconds(50));
        assertTrue(write(l, 100).allowed());
    }

    @Test
    void activeSeriesCountDistinctSeriesOfTheTrailingHour() throws Exception {
        LocalLimiter l = limiter("limits: [{type: active_series, value: 1000, resolution: hour}]");
        long[] first = LongStream.range(0, 600).toArray();
        long[] second = LongStream.range(600, 1200).toArray();
        assertTrue(write(l, 600, first).allowed());
        clock.advance(Duration.ofMinutes(30));
        assertTrue(write(l, 600, first).allowed(), "rewriting the same series adds none");
        assertEquals("active_series", write(l, 600, second).type());
        assertFalse(write(l, 600, second).allowed(), "1200 distinct series in the hour");
        clock.advance(Duration.ofMinutes(31));
        // The first write (61 minutes ago) left the hour; the rewrite 31 minutes ago is still in it.
        assertFalse(write(l, 600, second).allowed());
        clock.advance(Duration.ofMinutes(30));
        assertTrue(write(l, 600, second).allowed(), "all earlier writes are over an hour old");
    }

    @Test
    void newSeriesAreThoseNotSeenInTheHourBeforeTheWindow() throws Exception {
        LocalLimiter l = limiter("limits: [{type: new_series, value: 100, resolution: minute}]");
        long[] old = LongStream.range(0, 80).toArray();
        assertTrue(write(l, 80, old).allowed());
        clock.advance(Duration.ofMinutes(1));
        long[] oldPlus50 = LongStream.range(0, 130).toArray();
        LimitVerdict v = write(l, 130, oldPlus50);
        assertTrue(v.allowed());
        assertTrue(Math.abs(v.remaining() - 50) <= 2, "about 50 of 100 left, got " + v.remaining());
        assertFalse(write(l, 60, LongStream.range(1000, 1060).toArray()).allowed(), "50 + 60 new > 100");
        assertTrue(write(l, 40, LongStream.range(1000, 1040).toArray()).allowed());
    }

    @Test
    void minuteAndHourNewSeriesLimitsAreCheckedTogether() throws Exception {
        LocalLimiter l = limiter("limits: [{type: new_series, value: 100, resolution: minute}, "
                + "{type: new_series, value: 150, resolution: hour}]");
        assertTrue(write(l, 80, LongStream.range(0, 80).toArray()).allowed());
        clock.advance(Duration.ofMinutes(1));
        LimitVerdict v = write(l, 80, LongStream.range(100, 180).toArray());
        assertFalse(v.allowed(), "80 new this minute fit the minute limit, 160 this hour do not: " + v);
        assertEquals(new LimitVerdict(false, "new_series", 150, 0, 2930), v);
        LimitVerdict ok = write(l, 60, LongStream.range(100, 160).toArray());
        assertTrue(ok.allowed(), ok.toString());
        assertEquals(60, l.newSeries(T, Resolution.MINUTE), 2);
        assertEquals(140, l.newSeries(T, Resolution.HOUR), 3);
    }

    @Test
    void idleTenantsAreDroppedOnlyAfterTheirWindowsExpired() throws Exception {
        LocalLimiter l = limiter("limits: [{type: queries, value: 1, resolution: hour}]");
        assertTrue(query(l, T).allowed());
        clock.advance(Duration.ofMinutes(100));
        l.evictIdle();
        assertEquals(java.util.Set.of(T), l.tenants(), "kept while its data may matter");
        clock.advance(Duration.ofMinutes(30));
        l.evictIdle();
        assertEquals(java.util.Set.of(), l.tenants());
        assertTrue(query(l, T).allowed(), "a new state in a new hour");
        assertFalse(query(l, T).allowed());
    }

    @Test
    void activeSeriesEstimateIsWithinTwoPercentAt100kSeries() throws Exception {
        LocalLimiter l = limiter("limits: [{type: active_series, value: 10000000, resolution: hour}]");
        java.util.SplittableRandom random = new java.util.SplittableRandom(42);
        long distinct = 100_000;
        for (long batch = 0; batch < distinct / 1000; batch++) {
            long[] hashes = new long[1000];
            for (int i = 0; i < hashes.length; i++) {
                hashes[i] = random.nextLong();
            }
            assertTrue(write(l, hashes.length, hashes).allowed());
            if (batch % 10 == 0) {
                clock.advance(Duration.ofMinutes(1)); // spread over many minute sketches
                assertTrue(write(l, hashes.length, hashes).allowed()); // and repeat some: no double counting
            }
        }
        long estimate = l.activeSeries(T);
        double error = Math.abs(estimate - distinct) / (double) distinct;
        assertTrue(error < 0.02, "estimate " + estimate + " is " + (error * 100) + "% off " + distinct);
    }
}

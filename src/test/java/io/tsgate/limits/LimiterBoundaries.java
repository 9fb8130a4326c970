package io.tsgate.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tsgate.request.Tenant;
import io.tsgate.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;

/**
 * The edges every limiter backend must agree on, run against the local backend (unit test) and Redis (integration
 * test) with a clock the test moves: a limit is reached, not exceeded, by a write of exactly its value (counts use
 * {@code >}, never {@code >=}); {@code active_series} is the trailing 60 minutes (a series written at minute 0
 * still counts at minute 59 and no longer at minute 60); {@code new_series} compares a window with the 60 minutes
 * before it (a series seen at minute 0 is not new at minute 60 and is new again at minute 61).
 */
public final class LimiterBoundaries {
    /** The start of an hour and of a minute: minute 0 of the scenarios. */
    public static final Instant HOUR = Instant.parse("2031-03-04T05:00:00Z");

    /** Builds a fresh limiter (fresh state) for the given limit file over the given clock. */
    @FunctionalInterface
    public interface Factory {
        Limiter create(String limitFileYaml, MutableClock clock) throws Exception;
    }

    private final Factory factory;
    private final Tenant tenant;

    public LimiterBoundaries(Factory factory, Tenant tenant) {
        this.factory = factory;
        this.tenant = tenant;
    }

    private LimitVerdict write(Limiter l, long rows, long... hashes) {
        return l.admitWrite(tenant, rows, hashes).toCompletableFuture().join();
    }

    private LimitVerdict query(Limiter l) {
        return l.acquireQuery(tenant).toCompletableFuture().join();
    }

    private static void close(Limiter l) throws Exception {
        if (l instanceof AutoCloseable c) {
            c.close();
        }
    }

    /** rows_inserted 10/minute: 10 rows at once fit with 0 left, then 1 more is refused; 11 at once are refused. */
    public void rowsExactlyAtTheLimitFit() throws Exception {
        MutableClock clock = new MutableClock(HOUR.plusSeconds(5));
        Limiter l = factory.create("limits: [{type: rows_inserted, value: 10, resolution: minute}]", clock);
        try {
            assertEquals(new LimitVerdict(false, "rows_inserted", 10, 0, 55), write(l, 11));
            assertEquals(new LimitVerdict(true, "rows_inserted", 10, 0, 55), write(l, 10));
            assertEquals(new LimitVerdict(false, "rows_inserted", 10, 0, 55), write(l, 1));
            clock.advance(Duration.ofSeconds(54));
            assertFalse(write(l, 1).allowed(), "second 59 is still the same minute");
            clock.advance(Duration.ofSeconds(1));
            assertEquals(new LimitVerdict(true, "rows_inserted", 10, 0, 60), write(l, 10), "a new minute");
        } finally {
            close(l);
        }
    }

    /** queries 3/minute: the third is allowed with 0 left, the fourth refused. */
    public void queriesExactlyAtTheLimitFit() throws Exception {
        MutableClock clock = new MutableClock(HOUR);
        Limiter l = factory.create("limits: [{type: queries, value: 3, resolution: minute}]", clock);
        try {
            assertEquals(2, query(l).remaining());
            assertEquals(1, query(l).remaining());
            assertEquals(new LimitVerdict(true, "queries", 3, 0, 60), query(l));
            assertEquals(new LimitVerdict(false, "queries", 3, 0, 60), query(l));
        } finally {
            close(l);
        }
    }

    /** active_series 3: three distinct series fit (0 left), a fourth is refused; rewriting the three still fits. */
    public void activeSeriesExactlyAtTheLimitFit() throws Exception {
        MutableClock clock = new MutableClock(HOUR);
        Limiter l = factory.create("limits: [{type: active_series, value: 3, resolution: hour}]", clock);
        try {
            LimitVerdict three = write(l, 3, 11, 12, 13);
            assertTrue(three.allowed(), three.toString());
            assertEquals(0, three.remaining());
            assertTrue(write(l, 3, 11, 12, 13).allowed(), "the same three series again");
            LimitVerdict four = write(l, 1, 14);
            assertFalse(four.allowed(), four.toString());
            assertEquals("active_series", four.type());
        } finally {
            close(l);
        }
    }

    /** new_series 2/minute: two new series fit (0 left), a third new one is refused. */
    public void newSeriesExactlyAtTheLimitFit() throws Exception {
        MutableClock clock = new MutableClock(HOUR);
        Limiter l = factory.create("limits: [{type: new_series, value: 2, resolution: minute}]", clock);
        try {
            LimitVerdict two = write(l, 2, 21, 22);
            assertTrue(two.allowed(), two.toString());
            assertEquals(0, two.remaining());
            LimitVerdict three = write(l, 1, 23);
            assertFalse(three.allowed(), three.toString());
            assertEquals("new_series", three.type());
        } finally {
            close(l);
        }
    }

    /**
     * active_series 1: series A at minute 0. A different series B is refused at minutes 0 and 59 (A is active), and
     * allowed from minute 60 (A's minute left the trailing hour). Each probe is on a fresh limiter with the same
     * history, because an allowed probe would itself become history.
     */
    public void activeSeriesWindowIsSixtyMinutes() throws Exception {
        String yaml = "limits: [{type: active_series, value: 1, resolution: hour}]";
        for (int probeMinute : new int[] {0, 59, 60, 61}) {
            MutableClock clock = new MutableClock(HOUR.plusSeconds(30));
            Limiter l = factory.create(yaml, clock);
            try {
                assertTrue(write(l, 1, 1001).allowed());
                clock.set(HOUR.plus(Duration.ofMinutes(probeMinute)).plusSeconds(30));
                LimitVerdict b = write(l, 1, 1002);
                assertEquals(probeMinute >= 60, b.allowed(), "series B at minute " + probeMinute + ": " + b);
            } finally {
                close(l);
            }
        }
    }

    /**
     * new_series 1/minute: series A at minute 0. Writing A again is not new at minutes 1 and 60 (A is within the hour
     * before the window) and is new at minute 61, where it fills the limit, so a second new series is refused.
     */
    public void newSeriesLooksBackSixtyMinutes() throws Exception {
        String yaml = "limits: [{type: new_series, value: 1, resolution: minute}]";
        for (int probeMinute : new int[] {1, 59, 60, 61}) {
            MutableClock clock = new MutableClock(HOUR.plusSeconds(30));
            Limiter l = factory.create(yaml, clock);
            try {
                assertTrue(write(l, 1, 2001).allowed());
                clock.set(HOUR.plus(Duration.ofMinutes(probeMinute)).plusSeconds(30));
                LimitVerdict again = write(l, 1, 2001);
                assertTrue(again.allowed(), again.toString());
                assertEquals(probeMinute >= 61 ? 0 : 1, again.remaining(),
                        "A rewritten at minute " + probeMinute + " is " + (probeMinute >= 61 ? "" : "not ") + "new: " + again);
            } finally {
                close(l);
            }
        }
    }
}

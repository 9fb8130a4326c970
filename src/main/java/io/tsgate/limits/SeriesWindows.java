package io.tsgate.limits;

import org.apache.datasketches.hll.HllSketch;
import org.apache.datasketches.hll.TgtHllType;
import org.apache.datasketches.hll.Union;

/**
 * The series one tenant wrote, as HyperLogLog sketches (Apache DataSketches) per minute for the last two hours.
 * From them: {@code active_series} = distinct series of the trailing 60 minutes; {@code new_series} for a window =
 * |window ∪ hour before| − |hour before|, i.e. series of the window not seen in the hour before it.
 *
 * <p>lgK 14 (16384 registers) gives a relative standard error of about 0.8%. Unions of the completed minutes are
 * cached per minute, so a write merges two sketches and its own hashes, not 120. Not thread-safe: the caller holds
 * the tenant's lock.
 */
final class SeriesWindows {
    static final int LG_K = 14;
    private static final int SLOTS = 120;

    private final HllSketch[] slots = new HllSketch[SLOTS];
    private final long[] slotMinute = new long[SLOTS];
    private long cachedFor = Long.MIN_VALUE;
    private HllSketch cachedPastHour;
    /** Per resolution (minute and hour windows start at different minutes): the minute and window cached for. */
    private final long[] cachedWindowFor = {Long.MIN_VALUE, Long.MIN_VALUE};
    private final long[] cachedWindowStart = {Long.MIN_VALUE, Long.MIN_VALUE};
    private final HllSketch[] cachedBefore = new HllSketch[2];
    private final HllSketch[] cachedWindowPast = new HllSketch[2];

    SeriesWindows() {
        java.util.Arrays.fill(slotMinute, Long.MIN_VALUE);
    }

    /** Distinct series of minutes {@code minute-59 … minute} plus {@code batch}. */
    double active(long minute, long[] batch) {
        Union u = new Union(LG_K);
        u.update(pastHour(minute));
        addCurrent(u, minute, batch);
        return u.getEstimate();
    }

    /**
     * Series of the window starting at minute {@code windowStart} (through {@code minute}, plus {@code batch}) not
     * seen in the 60 minutes before the window.
     */
    double fresh(Resolution resolution, long windowStart, long minute, long[] batch) {
        int r = resolution.ordinal();
        refreshWindowCache(r, windowStart, minute);
        Union window = new Union(LG_K);
        window.update(cachedWindowPast[r]);
        addCurrent(window, minute, batch);
        Union both = new Union(LG_K);
        both.update(window.getResult(TgtHllType.HLL_4));
        both.update(cachedBefore[r]);
        return Math.max(0, both.getEstimate() - cachedBefore[r].getEstimate());
    }

    /** Adds {@code batch} to the sketch of {@code minute}. */
    void add(long minute, long[] batch) {
        HllSketch s = slot(minute, true);
        for (long h : batch) {
            s.update(h);
        }
    }

    private void addCurrent(Union u, long minute, long[] batch) {
        HllSketch current = slot(minute, false);
        if (current != null) {
            u.update(current);
        }
        for (long h : batch) {
            u.update(h);
        }
    }

    private HllSketch pastHour(long minute) {
        if (cachedFor != minute) {
            cachedPastHour = union(minute - 59, minute - 1);
            cachedFor = minute;
        }
        return cachedPastHour;
    }

    private void refreshWindowCache(int r, long windowStart, long minute) {
        if (cachedWindowFor[r] != minute || cachedWindowStart[r] != windowStart) {
            cachedBefore[r] = union(windowStart - 60, windowStart - 1);
            cachedWindowPast[r] = union(windowStart, minute - 1);
            cachedWindowFor[r] = minute;
            cachedWindowStart[r] = windowStart;
        }
    }

    private HllSketch union(long fromMinute, long toMinute) {
        Union u = new Union(LG_K);
        for (long m = fromMinute; m <= toMinute; m++) {
            HllSketch s = slot(m, false);
            if (s != null) {
                u.update(s);
            }
        }
        return u.getResult(TgtHllType.HLL_4);
    }

    private HllSketch slot(long minute, boolean create) {
        int i = (int) Math.floorMod(minute, (long) SLOTS);
        if (slotMinute[i] != minute) {
            if (!create) {
                return null;
            }
            slots[i] = new HllSketch(LG_K, TgtHllType.HLL_4);
            slotMinute[i] = minute;
            // The cached unions may include what this slot held two hours ago; they never cover the current minute.
        }
        return slots[i];
    }
}

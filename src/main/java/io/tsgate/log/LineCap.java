package io.tsgate.log;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * At most {@code perSecond} lines per second of a monotonic clock (VictoriaMetrics' {@code -loggerWarnsPerSecondLimit}
 * and {@code -loggerErrorsPerSecondLimit}); lines past it are counted, not written. The window and its count share one
 * {@link AtomicLong}, so a caller on the request path takes no lock and allocates nothing, admitted or not.
 */
public final class LineCap {
    private static final long LOW = 0xffff_ffffL;

    private final int perSecond;
    private final LongSupplier nanos;
    /** The current second (low 32 bits of it) in the high half, the lines admitted in it in the low half. */
    private final AtomicLong window = new AtomicLong(-1L);
    private final AtomicLong suppressed = new AtomicLong();
    private final AtomicLong summarised = new AtomicLong();

    /** {@code perSecond} 0 (or less) admits every line. */
    public LineCap(int perSecond, LongSupplier nanos) {
        this.perSecond = perSecond;
        this.nanos = nanos;
    }

    public int perSecond() {
        return perSecond;
    }

    /** Takes one line of this second's budget; false (and the line counted as suppressed) when it is spent. */
    public boolean tryAcquire() {
        if (perSecond <= 0) {
            return true;
        }
        long second = (nanos.getAsLong() / 1_000_000_000L) & LOW;
        while (true) {
            long w = window.get();
            long next;
            if (w >>> 32 != second || w == -1L) {
                next = second << 32 | 1;
            } else if ((w & LOW) >= perSecond) {
                suppressed.incrementAndGet();
                return false;
            } else {
                next = w + 1;
            }
            if (window.compareAndSet(w, next)) {
                return true;
            }
        }
    }

    /** Lines suppressed since start (the metric). */
    public long suppressed() {
        return suppressed.get();
    }

    /** Lines suppressed since the previous call (the log summary); each suppressed line is reported once. */
    public long takeUnsummarised() {
        long now = suppressed.get();
        return now - summarised.getAndSet(now);
    }
}

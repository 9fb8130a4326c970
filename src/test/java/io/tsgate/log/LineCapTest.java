package io.tsgate.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LineCapTest {
    private final AtomicLong nanos = new AtomicLong(5_000_000_000L);

    @Test
    void admitsPerSecondLinesThenCountsTheRestUntilTheNextSecond() {
        LineCap cap = new LineCap(3, nanos::get);
        assertTrue(cap.tryAcquire());
        assertTrue(cap.tryAcquire());
        assertTrue(cap.tryAcquire());
        assertFalse(cap.tryAcquire());
        assertFalse(cap.tryAcquire());
        assertEquals(2, cap.suppressed());
        nanos.addAndGet(999_999_999L); // 5.999999999 s: the same second
        assertFalse(cap.tryAcquire());
        nanos.addAndGet(1);
        assertTrue(cap.tryAcquire(), "a new second has a new budget");
        assertEquals(3, cap.suppressed());
    }

    @Test
    void eachSuppressedLineIsSummarisedOnce() {
        LineCap cap = new LineCap(1, nanos::get);
        for (int i = 0; i < 5; i++) {
            cap.tryAcquire();
        }
        assertEquals(4, cap.takeUnsummarised());
        assertEquals(0, cap.takeUnsummarised());
        cap.tryAcquire();
        assertEquals(1, cap.takeUnsummarised());
        assertEquals(5, cap.suppressed(), "the metric keeps the total");
    }

    @Test
    void zeroMeansNoCap() {
        LineCap cap = new LineCap(0, nanos::get);
        for (int i = 0; i < 10_000; i++) {
            assertTrue(cap.tryAcquire());
        }
        assertEquals(0, cap.suppressed());
    }

    @Test
    void negativeClockReadingsStillStartNewSeconds() {
        nanos.set(-3_500_000_000L);
        LineCap cap = new LineCap(1, nanos::get);
        assertTrue(cap.tryAcquire());
        assertFalse(cap.tryAcquire());
        nanos.addAndGet(1_000_000_000L);
        assertTrue(cap.tryAcquire());
    }

    @Test
    void concurrentCallersNeverExceedTheBudget() throws Exception {
        LineCap cap = new LineCap(1000, nanos::get);
        AtomicLong admitted = new AtomicLong();
        Thread[] threads = new Thread[4];
        for (int t = 0; t < threads.length; t++) {
            threads[t] = new Thread(() -> {
                for (int i = 0; i < 5000; i++) {
                    if (cap.tryAcquire()) {
                        admitted.incrementAndGet();
                    }
                }
            });
            threads[t].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(1000, admitted.get());
        assertEquals(19_000, cap.suppressed());
    }

    /** The cap sits on the request path: taking or refusing a line allocates nothing. */
    @Test
    void tryAcquireAllocatesNothing() {
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        LineCap cap = new LineCap(100, System::nanoTime);
        for (int i = 0; i < 200_000; i++) {
            cap.tryAcquire();
        }
        long id = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(id);
        for (int i = 0; i < 1_000_000; i++) {
            cap.tryAcquire();
        }
        long allocated = threads.getThreadAllocatedBytes(id) - before;
        assertTrue(allocated < 4096, allocated + " bytes for a million calls");
    }
}

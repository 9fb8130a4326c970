package io.tsgate.it;

import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;

/** Waiting on a condition with a deadline: the only way integration tests wait. */
public final class Await {

    private static final long POLL_MILLIS = 25;

    private Await() {
    }

    /**
     * Polls {@code probe} until it returns a value {@code accept} holds for, and returns that value; fails naming
     * {@code what} and the last value seen when {@code timeout} passes.
     */
    public static <T> T until(String what, Duration timeout, Supplier<T> probe, java.util.function.Predicate<T> accept) {
        Instant deadline = Instant.now().plus(timeout);
        T last;
        while (true) {
            last = probe.get();
            if (accept.test(last)) {
                return last;
            }
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what + "; last value: "
                        + last);
            }
            pause();
        }
    }

    /** One poll interval between two checks of a condition; never used on its own as synchronisation. */
    static void pause() {
        try {
            Thread.sleep(POLL_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting", e);
        }
    }
}

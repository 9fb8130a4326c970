package io.tsgate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A SIGHUP reaches every listener even when one of them throws. */
class HangupSignalTest {
    @Test
    void aFailingListenerDoesNotStopTheOthers() throws Exception {
        AtomicInteger reloads = new AtomicInteger();
        try (AutoCloseable broken = HangupSignal.onHangup(() -> {
                throw new RejectedExecutionException("executor shut down");
            });
             AutoCloseable working = HangupSignal.onHangup(reloads::incrementAndGet)) {
            HangupSignal.fire();
            assertEquals(1, reloads.get());
        }
    }
}

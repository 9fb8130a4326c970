package io.tsgate;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * SIGHUP → reload, as VictoriaMetrics tools do. The JVM allows one handler per signal, so this registers it once and
 * fans out to every listener (tests run several gateways in one JVM). Listeners must not block: they hand the work
 * to their own background thread.
 */
public final class HangupSignal {
    private static final Logger LOG = LoggerFactory.getLogger(HangupSignal.class);
    private static final List<Runnable> LISTENERS = new CopyOnWriteArrayList<>();
    private static boolean installed;

    private HangupSignal() {
    }

    /** Adds {@code listener}; returns the handle that removes it. */
    public static synchronized AutoCloseable onHangup(Runnable listener) {
        if (!installed) {
            try {
                Signal.handle(new Signal("HUP"), s -> fire());
                installed = true;
            } catch (IllegalArgumentException e) {
                LOG.warn("cannot handle SIGHUP here ({}); the limit file reloads on its interval only", e.getMessage());
            }
        }
        LISTENERS.add(listener);
        return () -> LISTENERS.remove(listener);
    }

    /**
     * Runs every listener; one that throws (say, its gateway's executor already shut down) is logged and skipped, so
     * it never keeps the signal from the others.
     */
    static void fire() {
        for (Runnable listener : LISTENERS) {
            try {
                listener.run();
            } catch (RuntimeException e) {
                LOG.warn("a SIGHUP listener failed; the others still reload: {}", e.toString());
            }
        }
    }
}

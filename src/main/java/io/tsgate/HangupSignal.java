package io.tsgate;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * SIGHUP → reload, as VictoriaMetrics tools do. The JVM allows one handler per signal, so this registers it once and
 * fans out to every listener (tests run several gateways in one JVM). Listeners must not block: they hand the work
 * to their own background thread.
 */
public final class HangupSignal {
    private static final Logger LOG = LoggerFactory.getLogger(HangupSignal.class);
    private static final List<Runnable> LISTENERS = new CopyOnWriteArrayList<>();
    private static boolean installed;
    private static volatile boolean active;

    private HangupSignal() {
    }

    /** Adds {@code listener}; returns the handle that removes it. */
    public static synchronized AutoCloseable onHangup(Runnable listener) {
        if (!installed) {
            try {
                // A process started with SIGHUP ignored (nohup) keeps it ignored: the JVM then installs nothing and
                // says so only by handing back SIG_IGN as the previous handler.
                SignalHandler previous = Signal.handle(new Signal("HUP"), s -> fire());
                active = previous != SignalHandler.SIG_IGN;
                if (!active) {
                    LOG.warn("SIGHUP is ignored by this process (started under nohup?): files reload on their "
                            + "check intervals only");
                }
            } catch (IllegalArgumentException e) {
                LOG.warn("cannot handle SIGHUP here ({}); files reload on their check intervals only", e.getMessage());
            }
            installed = true;
        }
        LISTENERS.add(listener);
        return () -> LISTENERS.remove(listener);
    }

    /** True when a SIGHUP sent to this process reaches the listeners. */
    public static boolean active() {
        return active;
    }

    /**
     * Runs every listener; one that throws (say, its gateway's executor already shut down) is logged and skipped, so
     * it never keeps the signal from the others.
     */
    static void fire() {
        LOG.info("SIGHUP: reloading ({} listeners)", LISTENERS.size());
        for (Runnable listener : LISTENERS) {
            try {
                listener.run();
            } catch (RuntimeException e) {
                LOG.warn("a SIGHUP listener failed; the others still reload: {}", e.toString());
            }
        }
    }
}

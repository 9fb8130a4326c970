package io.tsgate;

import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * SIGTERM and SIGINT stop the served gateway gracefully ({@link Gateway#close()}) and the process then exits 0: the
 * JVM's own handling would run shutdown hooks and exit 143, which Kubernetes and systemd report as a failure. A
 * second signal stops at once (exit 1), for a person pressing Ctrl-C twice.
 */
public final class StopSignals {
    private static final Logger LOG = LoggerFactory.getLogger(StopSignals.class);

    private StopSignals() {
    }

    /** Installs the handlers for a gateway that serves until its process is told to stop. */
    public static void install(Gateway gateway) {
        AtomicBoolean stopping = new AtomicBoolean();
        SignalHandler handler = signal -> {
            if (stopping.compareAndSet(false, true)) {
                LOG.info("SIG{} received: stopping gracefully", signal.getName());
                new Thread(gateway::close, "tsgate-shutdown").start();
            } else {
                LOG.warn("SIG{} received again: stopping now", signal.getName());
                Runtime.getRuntime().halt(1);
            }
        };
        try {
            Signal.handle(new Signal("TERM"), handler);
            Signal.handle(new Signal("INT"), handler);
        } catch (IllegalArgumentException e) {
            LOG.warn("cannot handle SIGTERM here ({}); stopping without -http.shutdownDelay", e.getMessage());
        }
        // Any other way the JVM ends (System.exit elsewhere, signals not handled above) still closes the listeners.
        Runtime.getRuntime().addShutdownHook(new Thread(gateway::close, "tsgate-shutdown-hook"));
    }
}

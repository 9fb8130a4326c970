package io.tsgate;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Single-thread schedulers on named daemon threads. Each source that does network I/O in the background (JWKS,
 * Redis API keys, rate-limit datasource and limit file) gets its own, so a slow endpoint delays only itself.
 */
public final class DaemonScheduler {
    private DaemonScheduler() {
    }

    public static ScheduledExecutorService named(String threadName) {
        return Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
    }
}

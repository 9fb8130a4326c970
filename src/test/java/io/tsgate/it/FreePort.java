package io.tsgate.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Locale;

/**
 * Ports for external binaries (VictoriaMetrics, redis-server, nginx, the tsgate jar), which must be told a port.
 * A port picked here is free when picked and may be taken before the binary binds it; nothing closes that window,
 * so every start goes through {@link #retrying}, which starts again on fresh ports when the binary reports the
 * address in use. In-process servers never use this: they bind port 0 once and hand the bound port over.
 */
public final class FreePort {
    private static final int ATTEMPTS = 5;

    private FreePort() {
    }

    /** A loopback port free at the time of the call; only inside a {@link #retrying} start. */
    public static int pick() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts a server on ports it picks itself with {@link #pick}. */
    @FunctionalInterface
    public interface Start<T> {
        T start() throws IOException;
    }

    /**
     * Runs {@code start} until it succeeds or fails for another reason than a taken port, at most five times: a
     * start whose failure says "address already in use" (for {@link ManagedProcess}, in the log tail its exception
     * carries) is run again, and picks fresh ports.
     */
    public static <T> T retrying(Start<T> start) throws IOException {
        RuntimeException last = null;
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            try {
                return start.start();
            } catch (IllegalStateException | UncheckedIOException e) {
                if (!addressInUse(e)) {
                    throw e;
                }
                last = e;
            }
        }
        throw last;
    }

    /** A server started on fresh ports, with the ports it got. */
    public record Started<T>(T server, int[] ports) {
        public int port(int i) {
            return ports[i];
        }
    }

    /** Starts a server on the {@code count} fresh ports it is given. */
    @FunctionalInterface
    public interface StartOn<T> {
        T start(int[] ports) throws IOException;
    }

    /** {@link #retrying(Start)} for a server told {@code count} ports: each attempt picks fresh ones. */
    public static <T> Started<T> retrying(int count, StartOn<T> start) throws IOException {
        return retrying(() -> {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                ports[i] = pick();
            }
            return new Started<>(start.start(ports), ports);
        });
    }

    static boolean addressInUse(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
            if (m.contains("address already in use") || m.contains("address in use")) {
                return true;
            }
        }
        return false;
    }
}

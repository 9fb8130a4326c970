package io.tsgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link FreePort#retrying}: a start that lost its port to another process runs again on a fresh one; others fail. */
class FreePortTest {

    @Test
    void aStartWhosePortWasTakenRunsAgainOnAFreshPort() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            List<Integer> tried = new ArrayList<>();
            FreePort.Started<ServerSocket> s = FreePort.retrying(1, ports -> {
                // The first attempt is handed the taken port, as a race would; binding it fails for real.
                int port = tried.isEmpty() ? taken.getLocalPort() : ports[0];
                tried.add(port);
                try {
                    return new ServerSocket(port, 1, InetAddress.getLoopbackAddress());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            try (ServerSocket bound = s.server()) {
                assertEquals(2, tried.size(), tried.toString());
                assertNotEquals(taken.getLocalPort(), bound.getLocalPort());
                assertEquals(s.port(0), bound.getLocalPort());
            }
        }
    }

    @Test
    void aProcessReportingTheAddressInUseInItsLogIsRetried() throws Exception {
        int[] calls = {0};
        String ok = FreePort.retrying(() -> {
            if (calls[0]++ < 2) {
                throw new IllegalStateException("victoria-metrics exited with code 1 before becoming ready; log:\n"
                        + "fatal cannot start http server at 127.0.0.1:1234: listen tcp4 127.0.0.1:1234: bind: address already in use");
            }
            return "started";
        });
        assertEquals("started", ok);
        assertEquals(3, calls[0]);
    }

    @Test
    void otherFailuresAreNotRetried() {
        int[] calls = {0};
        IllegalStateException failure = new IllegalStateException("nginx exited with code 1: unknown directive");
        assertSame(failure, assertThrows(IllegalStateException.class, () -> FreePort.retrying(() -> {
            calls[0]++;
            throw failure;
        })));
        assertEquals(1, calls[0]);
    }

    @Test
    void givesUpAfterFiveTakenPorts() {
        int[] calls = {0};
        assertThrows(IllegalStateException.class, () -> FreePort.retrying(() -> {
            calls[0]++;
            throw new IllegalStateException("Address already in use");
        }));
        assertEquals(5, calls[0]);
    }
}

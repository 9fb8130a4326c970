package io.tsgate.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stall detectors for responses with a body on one keep-alive connection. A server that writes headers and body in
 * separate small segments without TCP_NODELAY meets the client's delayed ACK and waits ~40 ms per response (22
 * requests/s on one connection); a loopback round trip takes well under a millisecond. The bounds are wide on purpose
 * (a median under 10 ms, nothing over a second) so that a busy machine does not fail them and a stall always does.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KeepAliveLatencyTest {
    private static final int WARM_UP = 30;
    private static final int REQUESTS = 200;
    private TestGateway gateway;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        gateway = TestGateway.start(dir);
    }

    @AfterAll
    void stop() {
        gateway.close();
    }

    private Latencies run(String request, int status) throws Exception {
        Latencies l = new Latencies(REQUESTS);
        try (RawHttp c = new RawHttp(gateway.httpPort())) {
            for (int i = 0; i < WARM_UP; i++) {
                assertEquals(status, c.exchange(request).status());
            }
            for (int i = 0; i < REQUESTS; i++) {
                l.time(() -> assertEquals(status, c.exchange(request).status()));
            }
        }
        return l;
    }

    @Test
    void healthOnOneKeepAliveConnectionDoesNotStall() throws Exception {
        Latencies l = run(RawHttp.get("/health"), 200);
        assertTrue(l.median() < 10 && l.max() < 1000, l.toString());
    }

    @Test
    void forwardAuthDenialOnOneKeepAliveConnectionDoesNotStall() throws Exception {
        Latencies l = run(RawHttp.get("/authz-nginx", "X-Original-URI: /api/v1/query?query=up",
                "X-Original-Method: GET"), 401);
        assertTrue(l.median() < 10 && l.max() < 1000, l.toString());
    }

    @Test
    void forwardAuthAllowOnOneKeepAliveConnectionDoesNotStall() throws Exception {
        Latencies l = run(RawHttp.get("/authz-nginx", "X-Original-URI: /api/v1/query?query=up",
                "X-Original-Method: GET", "Authorization: Bearer " + gateway.token()), 200);
        assertTrue(l.median() < 10 && l.max() < 1000, l.toString());
    }
}

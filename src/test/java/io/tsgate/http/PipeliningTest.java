package io.tsgate.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** HTTP/1.1 pipelining and keep-alive: requests written together get their responses in request order. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PipeliningTest {
    private TestGateway gateway;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        gateway = TestGateway.start(dir, "-http.header.frameOptions=DENY");
    }

    @AfterAll
    void stop() {
        gateway.close();
    }

    @Test
    void twoRequestsInOneWriteGetTwoResponsesInOrder() throws Exception {
        try (RawHttp c = new RawHttp(gateway.httpPort())) {
            c.send(RawHttp.get("/health") + RawHttp.get("/authz/api/v1/query?query=up"));
            RawHttp.Response first = c.read();
            RawHttp.Response second = c.read();
            assertEquals(200, first.status());
            assertEquals("OK\n", first.body());
            assertEquals(401, second.status());
            assertEquals("missing_credential", second.header("x-tsgate-reason"));
        }
    }

    /** A scrape finishes on its own thread after the /health behind it is ready; /health still waits its turn. */
    @Test
    void aSlowerFirstResponseStillComesFirst() throws Exception {
        try (RawHttp c = new RawHttp(gateway.httpPort())) {
            for (int round = 0; round < 20; round++) {
                c.send(RawHttp.get("/metrics") + RawHttp.get("/health") + RawHttp.get("/nope")
                        + RawHttp.get("/ready"));
                RawHttp.Response metrics = c.read();
                assertEquals(200, metrics.status());
                assertEquals("text/plain; version=0.0.4; charset=utf-8", metrics.header("content-type"));
                assertTrue(metrics.body().contains("tsgate_decisions_total"), metrics.body());
                assertEquals("OK\n", c.read().body());
                assertEquals(404, c.read().status());
                RawHttp.Response ready = c.read();
                assertEquals(200, ready.status());
                assertEquals("OK\n", ready.body());
            }
        }
    }

    @Test
    void everyResponseCarriesTheSecurityHeadersAndADate() throws Exception {
        try (RawHttp c = new RawHttp(gateway.httpPort())) {
            for (String path : new String[] {"/health", "/nope", "/metrics", "/authz-nginx"}) {
                RawHttp.Response r = c.exchange(RawHttp.get(path));
                assertEquals("DENY", r.header("x-frame-options"), path);
                assertEquals("nosniff", r.header("x-content-type-options"), path);
                assertTrue(r.header("date").endsWith(" GMT"), path);
                assertNull(r.header("connection"), "HTTP/1.1 keeps the connection without saying so");
            }
        }
    }

    @Test
    void connectionCloseIsHonouredAfterTheResponse() throws Exception {
        try (RawHttp c = new RawHttp(gateway.httpPort())) {
            RawHttp.Response r = c.exchange(RawHttp.get("/health", "Connection: close"));
            assertEquals(200, r.status());
            assertEquals("close", r.header("connection"));
            assertTrue(c.closedByServerWithin(java.time.Duration.ofSeconds(2)));
        }
    }

    @Test
    void http10KeepAliveIsKeptAndSaidSo() throws Exception {
        try (RawHttp c = new RawHttp(gateway.httpPort())) {
            for (int i = 0; i < 3; i++) {
                RawHttp.Response r = c.exchange("GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
                assertEquals(200, r.status());
                assertEquals("keep-alive", r.header("connection"));
            }
        }
    }

    @Test
    void headKeepsTheLengthAndSendsNoBody() throws Exception {
        try (RawHttp c = new RawHttp(gateway.httpPort())) {
            c.send("HEAD /health HTTP/1.1\r\nHost: tsgate\r\n\r\n" + RawHttp.get("/nope"));
            String head = readHeadOnly(c);
            assertTrue(head.startsWith("HTTP/1.1 200 OK\r\n") && head.toLowerCase().contains("content-length: 3\r\n"),
                    head);
            assertEquals(404, c.read().status(), "the next response starts right after the head's headers");
        }
    }

    private static String readHeadOnly(RawHttp c) throws Exception {
        StringBuilder b = new StringBuilder();
        RawHttp.Response r = c.readHeaders();
        b.append("HTTP/1.1 ").append(r.status()).append(" OK\r\n");
        r.headers().forEach((k, v) -> b.append(k).append(": ").append(v).append("\r\n"));
        return b.toString();
    }
}

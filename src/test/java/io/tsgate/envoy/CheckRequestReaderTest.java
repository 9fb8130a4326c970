package io.tsgate.envoy;

import static io.tsgate.envoy.CheckRequestWire.assertSameAttributes;
import static io.tsgate.envoy.CheckRequestWire.cat;
import static io.tsgate.envoy.CheckRequestWire.generated;
import static io.tsgate.envoy.CheckRequestWire.hdr;
import static io.tsgate.envoy.CheckRequestWire.inHttp;
import static io.tsgate.envoy.CheckRequestWire.latin1;
import static io.tsgate.envoy.CheckRequestWire.len;
import static io.tsgate.envoy.CheckRequestWire.str;
import static io.tsgate.envoy.CheckRequestWire.vfield;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ByteString;
import com.google.protobuf.Struct;
import com.google.protobuf.Timestamp;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.HeaderMap;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.config.core.v3.Pipe;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.grpc.StatusRuntimeException;
import io.tsgate.request.RequestAttributes;
import java.io.ByteArrayInputStream;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link CheckRequestReader} against protobuf's generated parser on the same bytes: whatever the reader takes,
 * protobuf takes too and {@link CheckRequests#toAttributes} gives the same attributes; what it declines goes to
 * the generated path. Envoy's usual requests must be taken (else the reader saves nothing).
 */
class CheckRequestReaderTest {
    private static final HeaderNames TABLE = new HeaderNames();

    /** A request as Envoy sends one for a proxied HTTP call (its fields in field-number order). */
    private static CheckRequest envoyLike(String path, Map<String, String> extraHeaders) {
        AttributeContext.HttpRequest.Builder http = AttributeContext.HttpRequest.newBuilder()
                .setId("1234567890123456789").setMethod("GET")
                .putHeaders(":authority", "vm.example:8427").putHeaders(":method", "GET")
                .putHeaders(":path", path).putHeaders(":scheme", "http")
                .putHeaders("authorization", "Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln")
                .putHeaders("user-agent", "Grafana/11.2.0").putHeaders("accept-encoding", "gzip")
                .putHeaders("x-forwarded-proto", "http").putHeaders("x-request-id", "6f1c9a8e-2b7d-4e53")
                .putAllHeaders(extraHeaders)
                .setPath(path).setHost("vm.example:8427").setScheme("http").setProtocol("HTTP/1.1");
        return CheckRequest.newBuilder().setAttributes(AttributeContext.newBuilder()
                .setSource(peer("10.1.2.3", 51234))
                .setDestination(peer("10.1.2.4", 8427))
                .setRequest(AttributeContext.Request.newBuilder()
                        .setTime(Timestamp.newBuilder().setSeconds(1_764_000_000L).setNanos(123_000_000))
                        .setHttp(http))
                .putContextExtensions("backend", "vm")
                .setMetadataContext(Metadata.getDefaultInstance())).build();
    }

    private static AttributeContext.Peer.Builder peer(String ip, int port) {
        return AttributeContext.Peer.newBuilder().setAddress(Address.newBuilder().setSocketAddress(
                SocketAddress.newBuilder().setAddress(ip).setPortValue(port)));
    }

    /** The property (see {@link CheckRequestWire#agrees}); whether the reader took the bytes. */
    private static boolean agrees(byte[] bytes) {
        return CheckRequestWire.agrees(bytes, TABLE, "");
    }

    private static void assertSame(RequestAttributes want, RequestAttributes got) {
        assertSameAttributes(want, got, "");
    }

    private static byte[] take(CheckRequest r) {
        byte[] bytes = r.toByteArray();
        assertNotNull(CheckRequestReader.read(bytes, 0, bytes.length, TABLE), "declined: " + r);
        assertSame(generated(bytes), CheckRequestReader.read(bytes, 0, bytes.length, TABLE));
        return bytes;
    }

    @Test
    void takesWhatEnvoySends() {
        byte[] bytes = take(envoyLike("/api/v1/query?query=up", Map.of()));
        RequestAttributes a = CheckRequestReader.read(bytes, 0, bytes.length, TABLE);
        assertEquals("GET", a.method());
        assertEquals("/api/v1/query?query=up", a.rawPath());
        assertEquals("10.1.2.3", a.peer());
        assertEquals(Map.of("backend", "vm"), a.contextExtensions());
        assertNull(a.headers().get(":path"));
        assertEquals("gzip", a.headers().get("accept-encoding"));
        // the path only as the :path pseudo-header, a POST body as text and as raw bytes, a size, no extensions
        take(CheckRequest.newBuilder().setAttributes(AttributeContext.newBuilder().setRequest(
                AttributeContext.Request.newBuilder().setHttp(AttributeContext.HttpRequest.newBuilder()
                        .setMethod("post").putHeaders(":path", "/api/v1/import").putHeaders("content-length", "3")
                        .setSize(3).setBody("a=b")))).build());
        take(CheckRequest.newBuilder().setAttributes(AttributeContext.newBuilder().setRequest(
                AttributeContext.Request.newBuilder().setHttp(AttributeContext.HttpRequest.newBuilder()
                        .setMethod("POST").setPath("/api/v1/write").setSize(-1)
                        .setRawBody(ByteString.copyFrom(new byte[] {0, -1, 10, -128}))))).build());
        take(CheckRequest.getDefaultInstance());
        take(CheckRequest.newBuilder().setAttributes(AttributeContext.newBuilder()
                .setTlsSession(AttributeContext.TLSSession.newBuilder().setSni("vm.example"))
                .setSource(peer("::1", 1).setPrincipal("spiffe://cluster.local/ns/a/sa/b").setService("svc")
                        .putLabels("app", "grafana").setCertificate("-----BEGIN%20CERT"))).build());
    }

    @Test
    void declinesWhatItDoesNotCheckItself() {
        List<CheckRequest> declined = List.of(
                envoyLike("/api/v1/query?query=up", Map.of("x-note", "caf\u00e9")), // valid UTF-8, not ASCII
                envoyLike("/api/v1/query?query=\u00e9", Map.of()),
                CheckRequest.newBuilder().setAttributes(AttributeContext.newBuilder().setRequest(
                        AttributeContext.Request.newBuilder().setHttp(AttributeContext.HttpRequest.newBuilder()
                                .putHeaders("Authorization", "Bearer x")))).build(), // not lower-case
                CheckRequest.newBuilder().setAttributes(AttributeContext.newBuilder().setRequest(
                        AttributeContext.Request.newBuilder().setHttp(AttributeContext.HttpRequest.newBuilder()
                                .setHeaderMap(HeaderMap.newBuilder().addHeaders(HeaderValue.newBuilder()
                                        .setKey("authorization").setValue("Bearer x")))))).build(),
                CheckRequest.newBuilder().setAttributes(AttributeContext.newBuilder().setMetadataContext(
                        Metadata.newBuilder().putFilterMetadata("f", Struct.newBuilder().putFields("k",
                                Value.newBuilder().setStringValue("v").build()).build()))).build(),
                CheckRequest.newBuilder().setAttributes(AttributeContext.newBuilder().setSource(
                        AttributeContext.Peer.newBuilder().setAddress(Address.newBuilder()
                                .setPipe(Pipe.newBuilder().setPath("/run/x.sock"))))).build());
        for (CheckRequest r : declined) {
            byte[] bytes = r.toByteArray();
            assertNull(CheckRequestReader.read(bytes, 0, bytes.length, TABLE), r.toString());
            assertNotNull(generated(bytes)); // the generated path still reads it
        }
    }

    // --- hand-written encodings protobuf reads in its own way --------------------------------------------------

    @Test
    void declinesRepeatsProtobufWouldMergeOrOverwrite() {
        assertEquals(true, agrees(inHttp(str(2, "GET"), str(4, "/a"))));
        List<byte[]> repeats = List.of(
                inHttp(str(2, "GET"), str(2, "POST")), // last wins in protobuf
                inHttp(str(4, "/api/v1/query"), str(4, "/api/v1/admin/tsdb/delete_series")),
                inHttp(hdr("authorization", "a"), hdr("authorization", "b")),
                inHttp(hdr(":path", "/a"), hdr(":path", "/b")),
                inHttp(len(3, cat(str(1, "a"), str(1, "b"), str(2, "v")))), // key twice in one entry
                inHttp(len(3, cat(str(1, "a"), str(2, "v"), str(2, "w")))),
                inHttp(vfield(9, 1), vfield(9, 2)),
                inHttp(str(11, "a=1"), str(11, "b=2")),
                cat(inHttp(str(2, "GET")), inHttp(str(4, "/x"))), // attributes twice: protobuf merges them
                len(1, cat(len(4, len(2, str(2, "GET"))), len(4, len(2, str(4, "/x"))))),
                len(1, cat(len(1, len(1, len(1, str(2, "1.1.1.1")))),
                        len(1, len(1, len(1, str(2, "2.2.2.2")))))),
                len(1, len(1, len(1, cat(len(1, str(2, "1.1.1.1")), len(1, str(2, "2.2.2.2")))))),
                len(1, len(1, len(1, len(1, cat(str(2, "1.1.1.1"), str(2, "2.2.2.2")))))),
                len(1, cat(len(10, cat(str(1, "k"), str(2, "a"))), len(10, cat(str(1, "k"), str(2, "b"))))));
        for (byte[] r : repeats) {
            assertNotNull(generated(r), "protobuf reads it");
            assertNull(CheckRequestReader.read(r, 0, r.length, TABLE));
        }
    }

    @Test
    void wireOddities() {
        byte[] known = inHttp(str(2, "GET"), str(4, "/api/v1/query?query=up"), hdr("authorization", "Bearer t"));
        // unknown fields of every plain wire type are skipped as protobuf skips them
        byte[] unknowns = inHttp(str(2, "GET"), vfield(99, -1), new byte[] {(byte) 0xA1, 0x06, 1, 2, 3, 4, 5, 6,
                7, 8}, new byte[] {(byte) 0xA5, 0x06, 1, 2, 3, 4}, latin1(98, "\u00ff\u00fe"), str(4, "/a"));
        assertEquals(true, agrees(unknowns));
        assertEquals(true, agrees(known));
        List<byte[]> odd = List.of(
                inHttp(vfield(2, 7)), // method with a varint wire type: protobuf keeps it as unknown
                inHttp(new byte[] {(byte) 0xA3, 0x06, (byte) 0xA4, 0x06}), // an (empty) group
                cat(known, new byte[] {0x0F}), // wire type 7
                cat(known, new byte[] {0x00}), // field number 0
                cat(known, new byte[] {(byte) 0x8A, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x00, 0}),
                inHttp(new byte[] {0x48, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF,
                        (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x7F}), // size: bits past 64
                inHttp(new byte[] {0x12, (byte) 0x83, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x00,
                        'G', 'E', 'T'}), // a six-byte length
                inHttp(latin1(2, "G\u00c9T")), // not ASCII (and not UTF-8 either)
                inHttp(len(3, cat(str(1, "x"), latin1(2, "\u0080")))));
        for (byte[] r : odd) {
            assertNull(CheckRequestReader.read(r, 0, r.length, TABLE));
        }
        // a length past the end of its message, at every level
        for (int cut = 1; cut < known.length; cut++) {
            byte[] truncated = java.util.Arrays.copyOf(known, cut);
            agrees(truncated);
        }
    }

    // --- the property over many messages and their mutations -------------------------------------------------

    private static final String[] NAMES = {"authorization", "x-api-key", "content-type", "content-length",
        "content-encoding", ":path", ":method", ":authority", "", "x-envoy-auth-partial-body", "accountid",
        "x-tsgate-tenant", "cookie", "Authorization", "X-Api-Key", "x\u00e9"};
    private static final String[] VALUES = {"", "Bearer abc.def.ghi", "application/x-www-form-urlencoded", "3",
        "-1", "x", "true", "gzip", "/api/v1/query?query=up", "caf\u00e9", "a,b", "\u0000", "\ud83d\ude00"};

    private static String pick(Random rnd, String[] from) {
        return from[rnd.nextInt(from.length)];
    }

    private static CheckRequest random(Random rnd) {
        AttributeContext.HttpRequest.Builder http = AttributeContext.HttpRequest.newBuilder();
        if (rnd.nextInt(8) > 0) {
            http.setMethod(rnd.nextBoolean() ? "GET" : pick(rnd, new String[] {"POST", "put", "patch", "DELETE", ""}));
        }
        if (rnd.nextInt(4) > 0) {
            http.setPath(pick(rnd, VALUES));
        }
        int n = rnd.nextInt(8);
        for (int i = 0; i < n; i++) {
            http.putHeaders(pick(rnd, NAMES), pick(rnd, VALUES));
        }
        if (rnd.nextInt(4) == 0) {
            http.setSize(rnd.nextInt(3) == 0 ? -1 : rnd.nextInt(10));
        }
        if (rnd.nextInt(4) == 0) {
            http.setBody(pick(rnd, new String[] {"", "a=1", "caf\u00e9=1", "query=up&extra_label=x"}));
        }
        if (rnd.nextInt(5) == 0) {
            byte[] raw = new byte[rnd.nextInt(4)];
            rnd.nextBytes(raw);
            http.setRawBody(ByteString.copyFrom(raw));
        }
        if (rnd.nextInt(10) == 0) {
            http.setHeaderMap(HeaderMap.newBuilder().addHeaders(HeaderValue.newBuilder().setKey("a").setValue("b")));
        }
        if (rnd.nextInt(3) == 0) {
            http.setHost(pick(rnd, VALUES)).setScheme("https").setId(pick(rnd, VALUES));
        }
        AttributeContext.Builder attrs = AttributeContext.newBuilder()
                .setRequest(AttributeContext.Request.newBuilder().setHttp(http));
        if (rnd.nextBoolean()) {
            attrs.setSource(peer(pick(rnd, new String[] {"10.0.0.1", "::1", "", "caf\u00e9"}), rnd.nextInt(65536)));
        }
        if (rnd.nextBoolean()) {
            attrs.setDestination(peer("10.0.0.2", 80).setService(pick(rnd, VALUES)));
        }
        if (rnd.nextInt(4) == 0) {
            attrs.putContextExtensions(pick(rnd, new String[] {"backend", "ext_proc", "", "\u00e9"}),
                    pick(rnd, VALUES));
        }
        if (rnd.nextInt(6) == 0) {
            attrs.setMetadataContext(rnd.nextBoolean() ? Metadata.getDefaultInstance()
                    : Metadata.newBuilder().putFilterMetadata("f", Struct.getDefaultInstance()).build());
        }
        if (rnd.nextInt(6) == 0) {
            attrs.setTlsSession(AttributeContext.TLSSession.newBuilder().setSni(pick(rnd, VALUES)));
        }
        return CheckRequest.newBuilder().setAttributes(attrs).build();
    }

    private static byte[] mutate(Random rnd, byte[] in) {
        byte[] out = in.clone();
        switch (rnd.nextInt(5)) {
            case 0 -> out[rnd.nextInt(out.length)] = (byte) rnd.nextInt(256);
            case 1 -> out[rnd.nextInt(out.length)] ^= (byte) (1 << rnd.nextInt(8));
            case 2 -> out = java.util.Arrays.copyOf(out, rnd.nextInt(out.length));
            case 3 -> { // duplicate a slice somewhere (repeats fields, breaks lengths)
                int from = rnd.nextInt(out.length);
                int to = from + rnd.nextInt(out.length - from) + 1;
                int at = rnd.nextInt(out.length + 1);
                out = cat(java.util.Arrays.copyOf(out, at), java.util.Arrays.copyOfRange(in, from, to),
                        java.util.Arrays.copyOfRange(out, at, out.length));
            }
            default -> { // drop a slice
                int from = rnd.nextInt(out.length);
                int to = from + rnd.nextInt(out.length - from) + 1;
                out = cat(java.util.Arrays.copyOf(out, from), java.util.Arrays.copyOfRange(out, to, out.length));
            }
        }
        return out;
    }

    @Test
    void agreesWithProtobufOnRandomMessagesAndMutations() {
        Random rnd = new Random(20261203);
        int taken = 0;
        int mutantsTaken = 0;
        int mutants = 0;
        for (int i = 0; i < 4_000; i++) {
            byte[] bytes = random(rnd).toByteArray();
            if (agrees(bytes)) {
                taken++;
            }
            if (bytes.length == 0) {
                continue;
            }
            for (int m = 0; m < 8; m++) {
                byte[] mutant = mutate(rnd, bytes);
                mutants++;
                if (agrees(mutant)) {
                    mutantsTaken++;
                }
            }
        }
        // both sides of the property were exercised
        assertEquals(true, taken > 400, "taken " + taken);
        assertEquals(true, mutantsTaken > 400 && mutantsTaken < mutants, "mutants taken " + mutantsTaken);
    }

    @Test
    void sharedHeaderNamesNeverAnswerWithAnotherName() {
        HeaderNames names = new HeaderNames();
        Random rnd = new Random(7);
        List<String> sent = new java.util.ArrayList<>();
        for (int i = 0; i < 4 * HeaderNames.SLOTS; i++) { // many clashes: more names than slots
            StringBuilder name = new StringBuilder();
            int n = 1 + rnd.nextInt(HeaderNames.MAX_BYTES + 8);
            for (int j = 0; j < n; j++) {
                name.append((char) ('a' + rnd.nextInt(3)));
            }
            sent.add(name.toString());
        }
        for (int round = 0; round < 3; round++) {
            for (String name : sent) {
                byte[] bytes = inHttp(hdr(name, "v"));
                RequestAttributes a = CheckRequestReader.read(bytes, 0, bytes.length, names);
                assertEquals(Map.of(name, "v"), a.headers());
            }
        }
    }

    @Test
    void fixedWidthUnknownFieldsMayEndTheirMessage() {
        byte[] fixed64 = {(byte) 0xA1, 0x06, 1, 2, 3, 4, 5, 6, 7, 8}; // field 100, wire type 1
        byte[] fixed32 = {(byte) 0xA5, 0x06, 1, 2, 3, 4}; // field 100, wire type 5
        assertEquals(true, agrees(inHttp(str(2, "GET"), fixed64)));
        assertEquals(true, agrees(inHttp(str(2, "GET"), fixed32)));
        assertEquals(true, agrees(cat(inHttp(str(2, "GET")), fixed64)));
        assertEquals(true, agrees(cat(inHttp(str(2, "GET")), fixed32)));
        byte[] cut = cat(inHttp(str(2, "GET")), java.util.Arrays.copyOf(fixed32, 5));
        assertNull(CheckRequestReader.read(cut, 0, cut.length, TABLE));
        assertNull(generated(cut));
    }

    @Test
    void readsOnlyTheGivenRange() {
        byte[] inner = inHttp(str(2, "GET"), str(4, "/a"));
        byte[] framed = cat(new byte[] {9, 9}, inner, new byte[] {0x0F});
        assertSame(generated(inner), CheckRequestReader.read(framed, 2, inner.length, TABLE));
        assertThrows(IndexOutOfBoundsException.class, () -> CheckRequestReader.read(inner, 1, inner.length, TABLE));
        assertThrows(IndexOutOfBoundsException.class, () -> CheckRequestReader.read(inner, -1, 1, TABLE));
    }

    /** A received message whose stream announces {@code announced} bytes, as gRPC's deframer stream does. */
    private static final class Announced extends ByteArrayInputStream implements io.grpc.KnownLength {
        private final int announced;

        Announced(byte[] bytes, int announced) {
            super(bytes);
            this.announced = announced;
        }

        @Override
        public synchronized int available() {
            return Math.max(0, announced - pos); // may announce more than there is, or less
        }
    }

    @Test
    void marshallerReadsEveryByteWhateverTheStreamAnnounces() {
        byte[] bytes = envoyLike("/api/v1/query?query=up", Map.of()).toByteArray();
        RequestAttributes want = generated(bytes);
        for (int announced : new int[] {0, 1, bytes.length / 2, bytes.length - 1, bytes.length, bytes.length + 5}) {
            assertSame(want, CheckRequests.marshaller(TABLE).parse(new Announced(bytes, announced)));
        }
        assertSame(want, CheckRequests.marshaller(TABLE).parse(new java.io.BufferedInputStream(
                new ByteArrayInputStream(bytes))));
        // a stream that ends before what it announced: the bytes it had, which protobuf refuses here
        byte[] half = java.util.Arrays.copyOf(bytes, bytes.length / 2);
        assertThrows(StatusRuntimeException.class,
                () -> CheckRequests.marshaller(TABLE).parse(new Announced(half, bytes.length)));
    }

    @Test
    void marshallerEndsBadBytesAsGrpcDoes() {
        byte[] garbage = {0x0A, 0x05, 0x22, 0x7F};
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> CheckRequests.marshaller(TABLE).parse(new ByteArrayInputStream(garbage)));
        assertEquals(io.grpc.Status.Code.INTERNAL, e.getStatus().getCode());
        byte[] declined = envoyLike("/q", Map.of("x-note", "caf\u00e9")).toByteArray();
        assertEquals("caf\u00e9", CheckRequests.marshaller(TABLE).parse(new ByteArrayInputStream(declined)).header("x-note"));
        byte[] taken = envoyLike("/q", Map.of()).toByteArray();
        assertSame(generated(taken), CheckRequests.marshaller(TABLE).parse(new ByteArrayInputStream(taken)));
        // through protobuf's own stream type, as the in-process transport hands it over
        assertSame(generated(taken), CheckRequests.marshaller(TABLE).parse(
                io.grpc.protobuf.ProtoUtils.marshaller(CheckRequest.getDefaultInstance())
                        .stream(envoyLike("/q", Map.of()))));
    }
}

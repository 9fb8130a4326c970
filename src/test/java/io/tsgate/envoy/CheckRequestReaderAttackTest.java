package io.tsgate.envoy;

import static io.tsgate.envoy.CheckRequestWire.assertSameAttributes;
import static io.tsgate.envoy.CheckRequestWire.bytes;
import static io.tsgate.envoy.CheckRequestWire.cat;
import static io.tsgate.envoy.CheckRequestWire.generated;
import static io.tsgate.envoy.CheckRequestWire.hdr;
import static io.tsgate.envoy.CheckRequestWire.hex;
import static io.tsgate.envoy.CheckRequestWire.inAttrs;
import static io.tsgate.envoy.CheckRequestWire.inHttp;
import static io.tsgate.envoy.CheckRequestWire.len;
import static io.tsgate.envoy.CheckRequestWire.str;
import static io.tsgate.envoy.CheckRequestWire.tag;
import static io.tsgate.envoy.CheckRequestWire.varint;
import static io.tsgate.envoy.CheckRequestWire.vfield;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tsgate.auth.Access;
import io.tsgate.auth.BearerTokenAuthenticator;
import io.tsgate.auth.CredentialRejectedException;
import io.tsgate.auth.Mode;
import io.tsgate.policy.DecisionObserver;
import io.tsgate.policy.RequestAuthorizer;
import io.tsgate.request.RequestAttributes;
import io.tsgate.request.Tenant;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Attacks on {@link CheckRequestReader}, {@link HeaderNames} and the Check marshaller, beyond
 * {@link CheckRequestReaderTest}: hand-written encodings with overlong tags and lengths, map entries in every odd
 * shape, pseudo-header / path interplay, body completeness inputs, invalid UTF-8 injected into every string field of
 * an Envoy-like request, a structure-aware fuzzer, linear cost for many headers, a shared name table under 8 threads
 * with names that collide by construction, and the same bytes over real gRPC compared with the generated path.
 * The property everywhere: what the reader takes, protobuf takes too, and the attributes are those of
 * {@code CheckRequests.toAttributes(CheckRequest.parseFrom(bytes))}.
 */
class CheckRequestReaderAttackTest {
    private static final HeaderNames TABLE = new HeaderNames();

    private static boolean agrees(byte[] bytes, String what) {
        return CheckRequestWire.agrees(bytes, TABLE, what);
    }

    /** The marshaller: protobuf's attributes where protobuf reads the bytes, INTERNAL where it does not. */
    private static void marshallerAgrees(byte[] bytes, String what) {
        RequestAttributes want = generated(bytes);
        MethodDescriptor.Marshaller<RequestAttributes> m = CheckRequests.marshaller(new HeaderNames());
        if (want == null) {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                    () -> m.parse(new ByteArrayInputStream(bytes)), what);
            assertEquals(Status.Code.INTERNAL, e.getStatus().getCode(), what);
        } else {
            assertSameAttributes(want, m.parse(new ByteArrayInputStream(bytes)), what);
        }
    }

    // --- hand-written cases ----------------------------------------------------------------------------------

    @Test
    void oddButValidEncodingsAgree() {
        List<byte[]> cases = new ArrayList<>();
        // overlong tags and lengths for every used field: protobuf reads them as the plain form
        for (int pad = 0; pad <= 5; pad++) {
            cases.add(len(1, len(4, len(2, str(2, "GET")), pad, 0), 0, pad));
            cases.add(len(1, len(4, len(2, cat(len(2, "GET".getBytes(), pad, pad), len(4, "/x".getBytes(), pad, 0),
                    len(3, cat(len(1, "authorization".getBytes(), pad, 0), len(2, "Bearer a".getBytes(), 0, pad)),
                            pad, pad))))));
            cases.add(inHttp(cat(tag(9, 0, pad), varint(5, pad)), str(2, "POST"), hdr("content-length", "5"),
                    len(11, "a=1&b".getBytes(), pad, pad)));
            cases.add(inHttp(str(2, "POST"), len(12, new byte[] {1, 2, (byte) 0x80}, pad, pad)));
            cases.add(inAttrs(len(1, len(1, len(1, str(2, "1.2.3.4"), pad, pad), pad, pad), pad, pad)));
            cases.add(inAttrs(len(10, cat(str(1, "ext_proc"), str(2, "disabled")), pad, pad)));
        }
        // a length written with 5 bytes whose value wraps past 2^32: protobuf truncates to an int, reader must not
        cases.add(inHttp(cat(tag(2, 2, 0), bytes(0x83, 0x80, 0x80, 0x80, 0x10), "GET".getBytes())));
        cases.add(inHttp(cat(tag(2, 2, 0), bytes(0x83, 0x80, 0x80, 0x80, 0x70), "GET".getBytes())));
        // tags written with 5 bytes whose value wraps past 2^32 (protobuf reads field 2/LEN), negative tags
        cases.add(inHttp(cat(bytes(0x92, 0x80, 0x80, 0x80, 0x10), varint(3), "GET".getBytes())));
        cases.add(inHttp(cat(bytes(0x92, 0x80, 0x80, 0x80, 0x08), varint(3), "GET".getBytes())));
        cases.add(inHttp(cat(bytes(0xFA, 0xFF, 0xFF, 0xFF, 0x0F), varint(3), "GET".getBytes())));
        cases.add(inHttp(cat(bytes(0xFA, 0xFF, 0xFF, 0xFF, 0x07), varint(3), "GET".getBytes()), str(2, "GET")));
        // the largest field number, all wire types, as an unknown field
        for (int wt : new int[] {0, 1, 2, 5}) {
            byte[] value = switch (wt) {
                case 0 -> varint(-1);
                case 1 -> new byte[8];
                case 5 -> new byte[4];
                default -> cat(varint(2), bytes(0xFF, 0xFE));
            };
            cases.add(inHttp(str(2, "GET"), cat(tag((1 << 29) - 1, wt, 0), value)));
            cases.add(cat(tag((1 << 29) - 1, wt, 0), value, inHttp(str(4, "/a"))));
            cases.add(inAttrs(cat(tag(3, wt, 0), value), cat(tag(5, wt, 0), value)));
        }
        // 10-byte varints at the edge of 64 bits, for size and as unknowns
        cases.add(inHttp(cat(tag(9, 0, 0), bytes(0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01))));
        cases.add(inHttp(cat(tag(9, 0, 0), bytes(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00))));
        cases.add(inHttp(cat(tag(9, 0, 0), bytes(0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02))));
        cases.add(inHttp(cat(tag(9, 0, 0), bytes(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00))));
        cases.add(inHttp(cat(tag(9, 0, 0), varint(3, 8)), hdr("content-length", "3")));
        cases.add(inHttp(cat(tag(9, 0, 0), varint(Long.MIN_VALUE))));
        cases.add(inHttp(cat(tag(9, 0, 0), varint(Long.MAX_VALUE)), str(2, "POST")));
        // the Timestamp's int32 nanos as a 10-byte negative; ports and protocols at their limits
        cases.add(len(1, len(4, len(1, cat(vfield(1, -1), vfield(2, -1))))));
        cases.add(inAttrs(len(1, len(1, len(1, cat(vfield(1, 1 << 20), vfield(3, -1), vfield(6, 7),
                str(2, "::1")))))));
        cases.add(inAttrs(len(2, len(1, len(1, cat(vfield(3, 1L << 40), str(4, "http"), str(5, "r"), str(7, "/n")))))));
        // zero-length submessages at every level, and repeated empty ones where they are not used
        cases.add(len(1, new byte[0]));
        cases.add(inAttrs(len(4, new byte[0])));
        cases.add(inAttrs(len(4, len(2, new byte[0]))));
        cases.add(inAttrs(len(1, new byte[0]), len(2, new byte[0]), len(2, new byte[0]), len(12, new byte[0]),
                len(12, new byte[0]), len(11, new byte[0]), len(11, new byte[0]), len(13, new byte[0])));
        cases.add(inAttrs(len(1, len(1, new byte[0]))));
        cases.add(inAttrs(len(1, len(1, len(1, new byte[0])))));
        cases.add(inAttrs(len(4, cat(len(1, new byte[0]), len(1, new byte[0]), len(2, new byte[0])))));
        // map entries in every shape: empty, value only, key only, value first, empty strings explicit
        for (byte[] entry : List.of(new byte[0], str(2, "v"), str(1, "k"), cat(str(2, "v"), str(1, "k")),
                cat(str(1, ""), str(2, "")), cat(str(1, ":"), str(2, "/p")), cat(str(1, ":path"), str(2, "")),
                cat(str(1, ":path")), cat(str(2, "/q"), str(1, ":path")), cat(str(1, ""), str(2, "x")),
                cat(len(1, "k".getBytes(), 2, 2), len(2, "v".getBytes(), 1, 3)),
                cat(str(1, "k"), str(2, "v"), vfield(3, 1)), cat(str(1, "k"), vfield(2, 1)),
                cat(vfield(1, 1), str(2, "v")), cat(str(1, "k"), str(2, "v"), str(1, "k")))) {
            cases.add(inHttp(str(2, "GET"), len(3, entry), hdr("x-after", "1")));
            cases.add(inHttp(len(3, entry), str(4, "/path-field")));
            cases.add(inAttrs(len(10, entry)));
            cases.add(inAttrs(len(1, len(3, entry))));
        }
        // header named "" and header named ":" next to real ones; pseudo-headers of every kind
        cases.add(inHttp(hdr("", "empty-name"), hdr(":", "colon"), hdr("authorization", "Bearer a")));
        cases.add(inHttp(hdr(":", "colon")));
        cases.add(inHttp(hdr(":authority", "a"), hdr(":method", "POST"), hdr(":scheme", "http")));
        // :path vs the path field in every order, empty either side, explicitly encoded empty
        for (String p : new String[] {"", "/api/v1/query"}) {
            for (String q : new String[] {"", "/api/v1/admin/tsdb/delete_series"}) {
                cases.add(inHttp(str(4, p), hdr(":path", q)));
                cases.add(inHttp(hdr(":path", q), str(4, p)));
                cases.add(inHttp(hdr(":path", q)));
                cases.add(inHttp(str(4, p)));
                cases.add(inHttp(str(4, p), hdr(":path", q), hdr(":PATH", "/x")));
                cases.add(inHttp(str(4, p), hdr(":path", q), hdr(":path", "/other")));
                cases.add(inHttp(str(4, p), hdr(":path", q), str(4, "/again")));
            }
        }
        // NUL, DEL, control bytes, all printable ASCII in names and values
        StringBuilder all = new StringBuilder();
        for (char c = 0; c < 0x80; c++) {
            all.append(c);
        }
        String allLower = all.toString().toLowerCase(java.util.Locale.ROOT);
        cases.add(inHttp(hdr(allLower, all.toString()), str(4, all.toString()), str(2, all.toString()),
                str(11, all.toString())));
        cases.add(inHttp(hdr("a\u0000b", "\u0000"), hdr("\u007f", "\u007f")));
        // invalid UTF-8 where the reader does not look: unknown fields and raw_body (protobuf takes both)
        cases.add(inHttp(str(2, "GET"), len(12, bytes(0xC3, 0x28, 0xFF)), len(99, bytes(0xFF))));
        cases.add(inAttrs(len(99, bytes(0xC0, 0x80)), len(4, len(99, bytes(0xED, 0xA0, 0x80)))));
        // invalid UTF-8 in unused string fields and in map entries nobody reads (protobuf refuses these)
        for (int f : new int[] {1, 5, 6, 7, 8, 10}) {
            cases.add(inHttp(len(f, bytes(0x80))));
            cases.add(inHttp(len(f, bytes(0xC3, 0xA9)))); // valid UTF-8, not ASCII
        }
        cases.add(inAttrs(len(1, len(3, cat(str(1, "k"), len(2, bytes(0xFF)))))));
        cases.add(inAttrs(len(2, len(3, cat(len(1, bytes(0xFF)), str(2, "v"))))));
        cases.add(inAttrs(len(12, len(1, bytes(0xFF)))));
        cases.add(inAttrs(len(2, len(1, len(1, len(2, bytes(0xFF)))))));
        cases.add(inAttrs(len(2, len(2, bytes(0xFF)))));
        cases.add(inAttrs(len(2, len(4, bytes(0xFF)))));
        cases.add(inAttrs(len(2, len(5, bytes(0xFF)))));
        // the oneof in Address: socket then pipe (the generated path keeps the pipe), pipe then socket
        cases.add(inAttrs(len(1, len(1, cat(len(1, str(2, "1.1.1.1")), len(2, str(1, "/s")))))));
        cases.add(inAttrs(len(1, len(1, cat(len(2, str(1, "/s")), len(1, str(2, "1.1.1.1")))))));
        cases.add(inAttrs(len(1, len(1, cat(len(1, str(2, "1.1.1.1")), len(3, str(1, "l")))))));
        cases.add(inAttrs(len(1, len(1, cat(len(1, str(2, "1.1.1.1")), vfield(2, 1))))));
        // source twice, or its address/ip twice through merge; destination many times
        cases.add(inAttrs(len(1, len(1, len(1, str(2, "1.1.1.1")))), len(1, len(2, "svc".getBytes()))));
        cases.add(inAttrs(len(1, len(1, len(1, str(2, "1.1.1.1")))), len(2, len(1, len(1, str(2, "9.9.9.9")))),
                len(2, len(1, len(1, str(2, "8.8.8.8"))))));
        // used fields with the wrong wire type, group-encoded used fields
        cases.add(inHttp(cat(tag(9, 2, 0), varint(1), bytes(5)), hdr("content-length", "9")));
        cases.add(inHttp(cat(tag(4, 0, 0), varint(1)), hdr(":path", "/q")));
        cases.add(inHttp(cat(tag(3, 0, 0), varint(1)), hdr("a", "b")));
        cases.add(cat(tag(1, 3, 0), tag(1, 4, 0)));
        cases.add(inAttrs(cat(tag(4, 3, 0), tag(2, 2, 0), varint(0), tag(4, 4, 0))));
        cases.add(inHttp(cat(tag(12, 5, 0), new byte[4]), str(11, "a=1")));
        cases.add(inHttp(cat(tag(11, 1, 0), new byte[8]), str(2, "POST")));
        int taken = 0;
        for (int i = 0; i < cases.size(); i++) {
            byte[] c = cases.get(i);
            if (agrees(c, "case " + i)) {
                taken++;
            }
            marshallerAgrees(c, "case " + i);
            // every prefix, and every suffix of the same bytes
            for (int cut = 0; cut < c.length; cut++) {
                agrees(Arrays.copyOf(c, cut), "case " + i + " cut " + cut);
                agrees(Arrays.copyOfRange(c, cut, c.length), "case " + i + " from " + cut);
            }
        }
        assertTrue(taken > cases.size() / 3, "taken " + taken + " of " + cases.size());
    }

    @Test
    void bodyCompletenessInputsAgree() {
        String[] cls = {null, "", "0", "3", "5", " 3 ", "+3", "-1", "03", "3x", "99999999999999999999", "0x3",
            "9223372036854775807", "-9223372036854775808"};
        String[] partial = {null, "true", "TRUE", "True", " true", "false", "", "1"};
        long[] sizes = {Long.MIN_VALUE, -1, 0, 3, 5, 4, Long.MAX_VALUE};
        String[] methods = {"GET", "POST", "post", "Put", "PATCH", "DELETE", "", "HEAD"};
        Random rnd = new Random(5);
        int taken = 0;
        for (String cl : cls) {
            for (String p : partial) {
                for (long size : sizes) {
                    String method = methods[rnd.nextInt(methods.length)];
                    int bodyKind = rnd.nextInt(5);
                    List<byte[]> fields = new ArrayList<>();
                    fields.add(str(2, method));
                    if (rnd.nextBoolean()) {
                        fields.add(vfield(9, size));
                    }
                    if (cl != null) {
                        fields.add(hdr("content-length", cl));
                    }
                    if (p != null) {
                        fields.add(hdr(BodyCompletenessName.PARTIAL, p));
                    }
                    switch (bodyKind) {
                        case 0 -> fields.add(str(11, "a=1"));
                        case 1 -> fields.add(len(12, bytes(1, 2, 3)));
                        case 2 -> {
                            fields.add(len(12, new byte[0]));
                            fields.add(str(11, "abcd"));
                        }
                        case 3 -> {
                            fields.add(len(12, bytes(9, 9, 9, 9, 9)));
                            fields.add(str(11, ""));
                        }
                        default -> { }
                    }
                    java.util.Collections.shuffle(fields, rnd);
                    byte[] msg = inHttp(fields.toArray(new byte[0][]));
                    if (agrees(msg, "cl=" + cl + " partial=" + p + " size=" + size + " body=" + bodyKind)) {
                        taken++;
                    }
                }
            }
        }
        assertTrue(taken > 500, "taken " + taken);
    }

    /** {@link io.tsgate.request.BodyCompleteness#PARTIAL_BODY_HEADER}, spelled here as Envoy sends it. */
    private static final class BodyCompletenessName {
        static final String PARTIAL = "x-envoy-auth-partial-body";
    }

    // --- found: protobuf-java's array decoder and ten-byte varints ending in 0x00 ------------------------------

    /**
     * {@code size} written as a ten-byte varint whose last byte is 0x00 (an overlong form; Envoy never writes it, a
     * direct gRPC client can). protobuf-java 3.25's {@code CodedInputStream.ArrayDecoder.readRawVarint64} (what
     * {@code CheckRequest.parseFrom(byte[])} uses) returns every such value with bit 63 set, while protobuf's stream
     * decoder returns it with bit 63 clear. The reader once read it as the stream decoder does (size 5 where the
     * generated path reads {@code Long.MIN_VALUE + 5}, so bodyComplete differed); it now declines every tenth byte
     * but 0x01, and the generated path reads the form.
     */
    @Test
    void tenByteVarintEndingInZeroForSizeIsLeftToProtobuf() throws Exception {
        byte[] size5 = cat(tag(9, 0, 0), bytes(0x85, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00));
        for (byte[] m : List.of(inHttp(size5, str(2, "GET"), str(4, "/api/v1/query?query=up")),
                inHttp(str(2, "GET"), str(4, "/api/v1/query?query=up"), size5))) {
            assertEquals(Long.MIN_VALUE + 5, CheckRequest.parseFrom(m).getAttributes().getRequest().getHttp().getSize());
            RequestAttributes want = generated(m);
            assertTrue(want.bodyComplete());
            assertNull(CheckRequestReader.read(m, 0, m.length, TABLE), hex(m));
            assertSameAttributes(want, CheckRequests.marshaller(TABLE).parse(new java.io.ByteArrayInputStream(m)),
                    hex(m));
        }
        // 0x01 as the tenth byte: both read bit 63 set, and agree
        assertTrue(agrees(inHttp(cat(tag(9, 0, 0), bytes(0x85, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01)),
                str(2, "GET")), "tenth byte 0x01"));
    }

    /**
     * The same over HTTP/2 gRPC: a form POST whose 8-byte body is complete by the generated binding's reading (size
     * reads negative); the reader once read it as size 100 and denied with 400 where the generated binding allows
     * (stricter, never wider). Now both bindings give the same answer.
     */
    @Test
    void overlongSizeOverGrpcAnswersAsTheGeneratedBinding() throws Exception {
        Access reader = new Access(new Tenant(7, 1), List.of(new io.tsgate.request.Label("team", "dev")), List.of(),
                Mode.READ, "reader", "kid-r", null);
        ExtAuthzService service = new ExtAuthzService(new RequestAuthorizer(
                new BearerTokenAuthenticator("authorization", t -> reader), false),
                new DecisionObserver(new PrometheusRegistry(), 0, false), Map.of());
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).directExecutor()
                .addService(service).build().start();
        Server reference = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).directExecutor()
                .addService(ServerServiceDefinition.builder(AuthorizationGrpc.SERVICE_NAME)
                        .addMethod(AuthorizationGrpc.getCheckMethod(), ServerCalls.asyncUnaryCall(service::check))
                        .build()).build().start();
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
        ManagedChannel refChannel = NettyChannelBuilder.forAddress("127.0.0.1", reference.getPort()).usePlaintext()
                .build();
        MethodDescriptor<byte[], byte[]> raw = AuthorizationGrpc.getCheckMethod().toBuilder(RAW, RAW).build();
        byte[] size100 = cat(tag(9, 0, 0), bytes(0xE4, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00));
        byte[] c = inHttp(str(2, "POST"), str(4, "/api/v1/query"), size100, hdr("authorization", "Bearer good"),
                hdr("content-type", "application/x-www-form-urlencoded"), str(11, "query=up"));
        try {
            CheckResponse ref = CheckResponse.parseFrom(ClientCalls.blockingUnaryCall(refChannel, raw,
                    CallOptions.DEFAULT, c));
            CheckResponse got = CheckResponse.parseFrom(ClientCalls.blockingUnaryCall(channel, raw,
                    CallOptions.DEFAULT, c));
            assertEquals(com.google.rpc.Code.OK_VALUE, ref.getStatus().getCode(), ref.toString());
            assertEquals(ref, got);
        } finally {
            channel.shutdownNow();
            refChannel.shutdownNow();
            server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            reference.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    // --- invalid UTF-8 injected into every string of an Envoy-like request ------------------------------------

    private static final String[] MARKERS = new String[24];

    static {
        for (int i = 0; i < MARKERS.length; i++) {
            MARKERS[i] = String.format("q%02dmarkermarkerz", i); // 16 lower-case ASCII bytes, unique
        }
    }

    private static CheckRequest marked() {
        int i = 0;
        AttributeContext.HttpRequest.Builder http = AttributeContext.HttpRequest.newBuilder()
                .setId(MARKERS[i++]).setMethod(MARKERS[i++]).setPath(MARKERS[i++]).setHost(MARKERS[i++])
                .setScheme(MARKERS[i++]).setQuery(MARKERS[i++]).setFragment(MARKERS[i++]).setProtocol(MARKERS[i++])
                .setBody(MARKERS[i++]).putHeaders(MARKERS[i++], MARKERS[i++]).putHeaders(":path", MARKERS[i++]);
        AttributeContext.Peer.Builder source = AttributeContext.Peer.newBuilder()
                .setAddress(Address.newBuilder().setSocketAddress(SocketAddress.newBuilder().setAddress(MARKERS[i++])
                        .setResolverName(MARKERS[i++]).setNetworkNamespaceFilepath(MARKERS[i++]).setPortValue(1)))
                .setService(MARKERS[i++]).setPrincipal(MARKERS[i++]).setCertificate(MARKERS[i++])
                .putLabels(MARKERS[i++], MARKERS[i++]);
        AttributeContext.Peer.Builder destination = AttributeContext.Peer.newBuilder()
                .setAddress(Address.newBuilder().setSocketAddress(SocketAddress.newBuilder()
                        .setAddress(MARKERS[i++]).setNamedPort(MARKERS[i++])));
        return CheckRequest.newBuilder().setAttributes(AttributeContext.newBuilder().setSource(source)
                .setDestination(destination).setRequest(AttributeContext.Request.newBuilder().setHttp(http))
                .putContextExtensions(MARKERS[i++], MARKERS[i++])
                .setTlsSession(AttributeContext.TLSSession.newBuilder().setSni("sni" + MARKERS[0]))).build();
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    @Test
    void nonAsciiInEveryStringFieldIsNeverTaken() {
        byte[] base = marked().toByteArray();
        assertTrue(agrees(base, "base"), "the marked request is taken as it is");
        List<Integer> starts = new ArrayList<>();
        for (String m : MARKERS) {
            int at = indexOf(base, m.getBytes(StandardCharsets.US_ASCII));
            assertTrue(at >= 0, m);
            starts.add(at);
        }
        starts.add(indexOf(base, ("sni" + MARKERS[0]).getBytes(StandardCharsets.US_ASCII)));
        byte[][] invalid = {bytes(0x80), bytes(0xFF), bytes(0xC0, 0x80), bytes(0xED, 0xA0, 0x80), bytes(0xC3)};
        byte[][] validNonAscii = {bytes(0xC3, 0xA9), bytes(0xE2, 0x82, 0xAC), bytes(0xF0, 0x9F, 0x98, 0x80)};
        for (int s : starts) {
            for (int at = 0; at < 16; at++) {
                for (byte[] inj : invalid) {
                    if (at + inj.length > 16) {
                        continue;
                    }
                    byte[] m = base.clone();
                    System.arraycopy(inj, 0, m, s + at, inj.length);
                    String what = "invalid at " + s + "+" + at;
                    assertNull(generated(m), what + ": protobuf refuses");
                    assertNull(CheckRequestReader.read(m, 0, m.length, TABLE), what + ": reader took it");
                    marshallerAgrees(m, what);
                }
                for (byte[] inj : validNonAscii) {
                    if (at + inj.length > 16) {
                        continue;
                    }
                    byte[] m = base.clone();
                    System.arraycopy(inj, 0, m, s + at, inj.length);
                    agrees(m, "valid non-ASCII at " + s + "+" + at);
                    marshallerAgrees(m, "valid non-ASCII at " + s + "+" + at);
                }
                // an upper-case letter in a header name / context key / anywhere: agree
                byte[] m = base.clone();
                m[s + at] = 'Q';
                agrees(m, "upper at " + s + "+" + at);
            }
        }
    }

    /** Bodies and strings long enough for the eight-byte ASCII scan, a high byte at every offset near each end. */
    @Test
    void highByteAtEveryOffsetOfLongStringsIsNeverTaken() {
        for (int n : new int[] {1, 7, 8, 9, 15, 16, 17, 31, 64, 65, 127, 128, 129, 70_000}) {
            byte[] text = new byte[n];
            Arrays.fill(text, (byte) 'a');
            List<Integer> offsets = new ArrayList<>();
            for (int i = 0; i < Math.min(n, 20); i++) {
                offsets.add(i);
                offsets.add(n - 1 - i);
            }
            offsets.add(n / 2);
            for (int at : offsets) {
                byte[] t = text.clone();
                t[at] = (byte) 0x80;
                for (int field : new int[] {2, 4, 11, 1, 5}) {
                    byte[] m = inHttp(len(field, t));
                    assertNull(generated(m));
                    assertNull(CheckRequestReader.read(m, 0, m.length, TABLE), "field " + field + " n " + n + " at " + at);
                }
                byte[] h = inHttp(len(3, cat(str(1, "x"), len(2, t))));
                assertNull(CheckRequestReader.read(h, 0, h.length, TABLE), "header value n " + n + " at " + at);
                byte[] k = inHttp(len(3, cat(len(1, t), str(2, "v"))));
                assertNull(CheckRequestReader.read(k, 0, k.length, TABLE), "header name n " + n + " at " + at);
                byte[] raw = inHttp(len(12, t));
                assertTrue(agrees(raw, "raw_body n " + n), "raw_body is bytes: taken");
            }
            assertTrue(agrees(inHttp(len(11, text), str(2, "POST"), hdr("content-length", "" + n)), "ascii body " + n));
        }
    }

    // --- a structure-aware fuzzer -----------------------------------------------------------------------------

    private static final String[] NAMES = {"authorization", "x-api-key", "content-length", "content-type",
        "x-envoy-auth-partial-body", ":path", ":method", ":authority", ":", "", "Authorization", "CONTENT-LENGTH",
        "x\u00e9", "accountid", "projectid", "x-tsgate-tenant", "cookie", "a\u0000", "x-aaaaaaa-1-bbbbbbbbb",
        "x-aaaaaaa-2-bbbbbbbbb", "content-length ", " content-length"};
    private static final String[] VALUES = {"", "Bearer good", "Bearer evil", "3", "0", "-1", " 3", "true", "TRUE",
        "false", "/api/v1/query?query=up", "/api/v1/write", "caf\u00e9", "\u0000", "a,b", "x".repeat(130)};
    private static final String[] METHODS = {"GET", "POST", "post", "PUT", "patch", "", "DELETE", "G\u00c9T"};
    private static final String[] CTX = {"backend", "ext_proc", "", "logs", "vm", "count", "none", "Ext_Proc"};

    private static final class Gen {
        final Random rnd;

        Gen(long seed) {
            rnd = new Random(seed);
        }

        int pad() {
            return rnd.nextInt(20) == 0 ? 1 + rnd.nextInt(rnd.nextInt(10) == 0 ? 6 : 4) : 0;
        }

        String pick(String[] from) {
            return from[rnd.nextInt(from.length)];
        }

        byte[] s(int field, String v) {
            return len(field, v.getBytes(StandardCharsets.UTF_8), pad(), pad());
        }

        byte[] lenf(int field, byte[] v) {
            return len(field, v, pad(), pad());
        }

        byte[] v(int field, long value) {
            byte[] v = varint(value, rnd.nextInt(10) == 0 ? rnd.nextInt(4) : 0);
            return cat(tag(field, 0, pad()), v);
        }

        byte[] unknown() {
            int field = switch (rnd.nextInt(4)) {
                case 0 -> 14 + rnd.nextInt(10);
                case 1 -> 100 + rnd.nextInt(1000);
                case 2 -> (1 << 29) - 1;
                default -> 50;
            };
            return switch (rnd.nextInt(rnd.nextInt(30) == 0 ? 7 : 4)) {
                case 0 -> v(field, rnd.nextLong());
                case 1 -> cat(tag(field, 1, pad()), new byte[8]);
                case 2 -> lenf(field, rnd.nextBoolean() ? bytes(0xFF, 0x80) : "x".getBytes());
                case 3 -> cat(tag(field, 5, pad()), new byte[4]);
                case 4 -> cat(tag(field, 3, 0), tag(field, 4, 0)); // a group
                case 5 -> cat(tag(field, 6 + rnd.nextInt(2), 0), new byte[1]); // reserved wire types
                default -> cat(tag(field, 4, 0)); // an end-group alone
            };
        }

        /** A wrong-wire-type occurrence of a field. */
        byte[] wrongType(int field, int right) {
            int wt;
            do {
                wt = new int[] {0, 1, 2, 5}[rnd.nextInt(4)];
            } while (wt == right);
            return switch (wt) {
                case 0 -> v(field, rnd.nextInt(300));
                case 1 -> cat(tag(field, 1, 0), new byte[8]);
                case 2 -> lenf(field, "GET".getBytes());
                default -> cat(tag(field, 5, 0), new byte[4]);
            };
        }

        byte[] entry(String[] keys, String[] values) {
            List<byte[]> parts = new ArrayList<>();
            if (rnd.nextInt(12) > 0) {
                parts.add(s(1, pick(keys)));
            }
            if (rnd.nextInt(12) > 0) {
                parts.add(s(2, pick(values)));
            }
            if (rnd.nextInt(15) == 0) {
                java.util.Collections.reverse(parts);
            }
            if (rnd.nextInt(40) == 0) {
                parts.add(s(1 + rnd.nextInt(2), pick(values)));
            }
            if (rnd.nextInt(40) == 0) {
                parts.add(rnd.nextBoolean() ? unknown() : wrongType(1 + rnd.nextInt(2), 2));
            }
            return cat(parts.toArray(new byte[0][]));
        }

        byte[] fields(List<byte[]> once, List<byte[]> many, int unknowns) {
            List<byte[]> all = new ArrayList<>(once);
            all.addAll(many);
            if (!once.isEmpty() && rnd.nextInt(25) == 0) {
                all.add(once.get(rnd.nextInt(once.size()))); // a repeat
            }
            for (int i = 0; i < unknowns; i++) {
                all.add(unknown());
            }
            if (rnd.nextInt(3) == 0) {
                java.util.Collections.shuffle(all, rnd);
            }
            return cat(all.toArray(new byte[0][]));
        }

        byte[] http() {
            List<byte[]> once = new ArrayList<>();
            List<byte[]> many = new ArrayList<>();
            if (rnd.nextInt(6) > 0) {
                once.add(s(2, pick(METHODS)));
            }
            if (rnd.nextInt(3) > 0) {
                once.add(s(4, pick(VALUES)));
            }
            if (rnd.nextInt(3) == 0) {
                once.add(v(9, new long[] {-1, 0, 3, 5, Long.MAX_VALUE, Long.MIN_VALUE}[rnd.nextInt(6)]));
            }
            if (rnd.nextInt(4) == 0) {
                once.add(s(11, rnd.nextBoolean() ? "a=1" : rnd.nextBoolean() ? "" : "caf\u00e9"));
            }
            if (rnd.nextInt(4) == 0) {
                byte[] raw = new byte[rnd.nextInt(4)];
                rnd.nextBytes(raw);
                once.add(lenf(12, raw));
            }
            int n = rnd.nextInt(7);
            for (int i = 0; i < n; i++) {
                many.add(lenf(3, entry(NAMES, VALUES)));
            }
            for (int f : new int[] {1, 5, 6, 7, 8, 10}) {
                if (rnd.nextInt(4) == 0) {
                    many.add(s(f, pick(VALUES)));
                }
            }
            if (rnd.nextInt(40) == 0) {
                many.add(lenf(13, lenf(1, cat(s(1, "authorization"), s(2, "Bearer good")))));
            }
            if (rnd.nextInt(30) == 0) {
                int[] known = {2, 3, 4, 9, 11, 12};
                int f = known[rnd.nextInt(known.length)];
                many.add(wrongType(f, f == 9 ? 0 : 2));
            }
            return fields(once, many, rnd.nextInt(8) == 0 ? 1 + rnd.nextInt(2) : 0);
        }

        byte[] socket() {
            List<byte[]> once = new ArrayList<>();
            List<byte[]> many = new ArrayList<>();
            if (rnd.nextInt(5) > 0) {
                once.add(s(2, pick(new String[] {"10.0.0.1", "::1", "", "caf\u00e9"})));
            }
            if (rnd.nextBoolean()) {
                many.add(v(3, rnd.nextInt(70000)));
            }
            if (rnd.nextInt(5) == 0) {
                many.add(v(1, rnd.nextInt(3)));
            }
            if (rnd.nextInt(5) == 0) {
                many.add(s(4 + rnd.nextInt(4) % 2 * 3, pick(VALUES)));
            }
            if (rnd.nextInt(10) == 0) {
                many.add(v(6, rnd.nextInt(3)));
            }
            return fields(once, many, rnd.nextInt(10) == 0 ? 1 : 0);
        }

        byte[] peer() {
            List<byte[]> once = new ArrayList<>();
            List<byte[]> many = new ArrayList<>();
            if (rnd.nextInt(6) > 0) {
                byte[] address = switch (rnd.nextInt(25)) {
                    case 0 -> lenf(2, s(1, "/run/x.sock"));
                    case 1 -> lenf(3, s(1, "listener"));
                    default -> lenf(1, socket());
                };
                once.add(lenf(1, address));
            }
            if (rnd.nextInt(4) == 0) {
                many.add(s(2 + rnd.nextInt(3) % 2 * 2, pick(VALUES)));
            }
            if (rnd.nextInt(5) == 0) {
                many.add(lenf(3, entry(CTX, VALUES)));
            }
            return fields(once, many, rnd.nextInt(10) == 0 ? 1 : 0);
        }

        byte[] attributes() {
            List<byte[]> once = new ArrayList<>();
            List<byte[]> many = new ArrayList<>();
            if (rnd.nextInt(3) > 0) {
                once.add(lenf(1, peer()));
            }
            if (rnd.nextInt(3) == 0) {
                many.add(lenf(2, peer()));
            }
            if (rnd.nextInt(8) > 0) {
                List<byte[]> req = new ArrayList<>();
                req.add(lenf(2, http()));
                if (rnd.nextInt(3) == 0) {
                    req.add(lenf(1, cat(v(1, rnd.nextLong()), v(2, rnd.nextInt()))));
                }
                once.add(lenf(4, fields(req, List.of(), rnd.nextInt(10) == 0 ? 1 : 0)));
            }
            int n = rnd.nextInt(4) == 0 ? 1 + rnd.nextInt(3) : 0;
            for (int i = 0; i < n; i++) {
                many.add(lenf(10, entry(CTX, new String[] {"vm", "logs", "count", "none", "", "COUNT", "x"})));
            }
            if (rnd.nextInt(8) == 0) {
                many.add(lenf(11 + 2 * rnd.nextInt(2), rnd.nextBoolean() ? new byte[0]
                        : lenf(1, cat(s(1, "f"), lenf(2, new byte[0])))));
            }
            if (rnd.nextInt(8) == 0) {
                many.add(lenf(12, s(1, pick(VALUES))));
            }
            return fields(once, many, rnd.nextInt(8) == 0 ? 1 : 0);
        }

        byte[] request() {
            List<byte[]> once = new ArrayList<>();
            if (rnd.nextInt(15) > 0) {
                once.add(lenf(1, attributes()));
            }
            return fields(once, List.of(), rnd.nextInt(10) == 0 ? 1 : 0);
        }

        byte[] mutate(byte[] in) {
            if (in.length == 0) {
                return in;
            }
            byte[] out = in.clone();
            switch (rnd.nextInt(4)) {
                case 0 -> out[rnd.nextInt(out.length)] = (byte) rnd.nextInt(256);
                case 1 -> out[rnd.nextInt(out.length)] ^= (byte) (1 << rnd.nextInt(8));
                case 2 -> out[rnd.nextInt(out.length)] = (byte) new int[] {0x00, 0x80, 0x7F, 0xFF, 0x08}[rnd.nextInt(5)];
                default -> {
                    int at = rnd.nextInt(out.length);
                    out = cat(Arrays.copyOf(out, at), new byte[] {(byte) 0x80}, Arrays.copyOfRange(out, at, out.length));
                }
            }
            return out;
        }
    }

    @Test
    void structureAwareFuzzAgrees() {
        Gen g = new Gen(0xC0FFEE);
        HeaderNames names = new HeaderNames();
        int taken = 0;
        int mutantsTaken = 0;
        int n = 30_000;
        for (int i = 0; i < n; i++) {
            byte[] m = g.request();
            if (CheckRequestWire.agrees(m, names, "fuzz " + i)) {
                taken++;
            }
            if (CheckRequestWire.agrees(g.mutate(m), names, "mutant " + i)) {
                mutantsTaken++;
            }
            if (i % 50 == 0) {
                marshallerAgrees(m, "fuzz " + i);
            }
        }
        assertTrue(taken > n / 10 && taken < n, "taken " + taken);
        assertTrue(mutantsTaken > n / 20, "mutants taken " + mutantsTaken);
    }

    // --- cost: linear in the number of headers -----------------------------------------------------------------

    private static byte[] manyHeaders(int n, String prefix, boolean upperLast) {
        AttributeContext.HttpRequest.Builder http = AttributeContext.HttpRequest.newBuilder().setMethod("GET")
                .setPath("/api/v1/query");
        for (int i = 0; i < n; i++) {
            http.putHeaders(prefix + i, "v" + i);
        }
        if (upperLast) {
            http.putHeaders("X-Upper", "v");
        }
        return CheckRequest.newBuilder().setAttributes(AttributeContext.newBuilder()
                .setRequest(AttributeContext.Request.newBuilder().setHttp(http))).build().toByteArray();
    }

    private static long bestNanos(Runnable r, int runs) {
        long best = Long.MAX_VALUE;
        for (int i = 0; i < runs; i++) {
            long t = System.nanoTime();
            r.run();
            best = Math.min(best, System.nanoTime() - t);
        }
        return best;
    }

    @Test
    void manyHeadersCostLinearTime() {
        for (boolean upper : new boolean[] {false, true}) {
            // names all of one length and sharing first and last bytes: every long one lands in one table slot
            byte[] small = manyHeaders(10_000, upper ? "x-aaaaaaa-" : "x-common-prefix-", upper);
            byte[] big = manyHeaders(100_000, upper ? "x-aaaaaaa-" : "x-common-prefix-", upper);
            MethodDescriptor.Marshaller<RequestAttributes> m = CheckRequests.marshaller(new HeaderNames());
            RequestAttributes a = m.parse(new ByteArrayInputStream(big));
            assertEquals(upper ? 100_001 : 100_000, a.headers().size());
            assertSameAttributes(generated(big), a, "big");
            if (!upper) {
                assertNotNull(CheckRequestReader.read(big, 0, big.length, TABLE));
            }
            bestNanos(() -> m.parse(new ByteArrayInputStream(small)), 5); // warm up
            long tSmall = bestNanos(() -> m.parse(new ByteArrayInputStream(small)), 7);
            long tBig = bestNanos(() -> m.parse(new ByteArrayInputStream(big)), 3);
            assertTrue(tBig < 40 * tSmall, "10x headers took " + tBig / 1e6 + " ms vs " + tSmall / 1e6 + " ms");
        }
    }

    // --- the shared name table under contention ------------------------------------------------------------

    @Test
    void sharedNamesUnderEightThreadsWithCollidingNames() throws Exception {
        // same length, same first and last eight bytes: one slot for all of them by construction
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            names.add(String.format("x-aaaaaa-%04d-bbbbbbbb", i));
        }
        Random rnd = new Random(3);
        for (int i = 0; i < 600; i++) { // short names (< 8 bytes) and lengths around 8 and 64
            int n = new int[] {1, 2, 7, 8, 9, 63, 64, 65}[rnd.nextInt(8)];
            StringBuilder s = new StringBuilder();
            for (int j = 0; j < n; j++) {
                s.append((char) ('a' + rnd.nextInt(3)));
            }
            names.add(s.toString());
        }
        names.add("Authorization"); // declined, must never enter the table nor match "authorization"
        names.add("authorization");
        int requests = 1500;
        byte[][] msgs = new byte[requests][];
        List<List<String>> expected = new ArrayList<>();
        for (int r = 0; r < requests; r++) {
            java.util.LinkedHashSet<String> picked = new java.util.LinkedHashSet<>();
            int k = 1 + rnd.nextInt(6);
            for (int j = 0; j < k; j++) {
                picked.add(names.get(rnd.nextInt(names.size())));
            }
            List<byte[]> hs = new ArrayList<>();
            for (String p : picked) {
                hs.add(hdr(p, "v-" + p));
            }
            msgs[r] = inHttp(hs.toArray(new byte[0][]));
            expected.add(List.copyOf(picked));
        }
        HeaderNames shared = new HeaderNames();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Integer>> done = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                long seed = t;
                done.add(pool.submit(() -> {
                    Random r = new Random(seed);
                    int checked = 0;
                    for (int i = 0; i < 25_000; i++) {
                        int q = r.nextInt(requests);
                        byte[] m = msgs[q];
                        RequestAttributes a = CheckRequestReader.read(m, 0, m.length, shared);
                        List<String> want = expected.get(q);
                        if (want.stream().anyMatch(s -> !s.equals(s.toLowerCase(java.util.Locale.ROOT)))) {
                            assertNull(a);
                            continue;
                        }
                        assertNotNull(a);
                        assertEquals(want, List.copyOf(a.headers().keySet()));
                        for (String w : want) {
                            assertEquals("v-" + w, a.headers().get(w));
                        }
                        checked++;
                    }
                    return checked;
                }));
            }
            int checked = 0;
            for (Future<Integer> f : done) {
                checked += f.get(2, TimeUnit.MINUTES);
            }
            assertTrue(checked > 100_000, "checked " + checked);
        } finally {
            pool.shutdownNow();
        }
    }

    // --- end to end over HTTP/2 gRPC: the same bytes answered as the generated path answers them ---------------

    private static final MethodDescriptor.Marshaller<byte[]> RAW = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    @Test
    void oddEncodingsOverGrpcNeverWidenAccess() throws Exception {
        Access reader = new Access(new Tenant(7, 1), List.of(), List.of(), Mode.READ, "reader", "kid-r", null);
        RequestAuthorizer authorizer = new RequestAuthorizer(new BearerTokenAuthenticator("authorization", t -> {
            if (t.equals("good")) {
                return reader;
            }
            throw new CredentialRejectedException("invalid_token", "no such token");
        }), false);
        ExtAuthzService service = new ExtAuthzService(authorizer,
                new DecisionObserver(new PrometheusRegistry(), 0, false), Map.of());
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).directExecutor()
                .addService(service).build().start();
        // the reference: the same service bound with protobuf's generated method and marshallers, as before the change
        Server reference = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).directExecutor()
                .addService(ServerServiceDefinition.builder(AuthorizationGrpc.SERVICE_NAME)
                        .addMethod(AuthorizationGrpc.getCheckMethod(), ServerCalls.asyncUnaryCall(service::check))
                        .build()).build().start();
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext()
                .maxInboundMessageSize(64 << 20).build();
        ManagedChannel refChannel = NettyChannelBuilder.forAddress("127.0.0.1", reference.getPort()).usePlaintext()
                .maxInboundMessageSize(64 << 20).build();
        MethodDescriptor<byte[], byte[]> raw = AuthorizationGrpc.getCheckMethod().toBuilder(RAW, RAW).build();
        String q = "/api/v1/query?query=up";
        String w = "/api/v1/write";
        List<byte[]> cases = List.of(
                inHttp(str(2, "GET"), str(4, q), hdr("authorization", "Bearer good")),
                inHttp(str(2, "GET"), str(4, q), hdr("authorization", "Bearer good"), hdr("authorization", "Bearer x")),
                inHttp(str(2, "GET"), str(4, q), hdr("authorization", "Bearer x"), hdr("authorization", "Bearer good")),
                inHttp(str(2, "GET"), str(4, q), hdr("Authorization", "Bearer good")),
                inHttp(str(2, "GET"), str(4, q), hdr("authorization", "Bearer good"), hdr("AUTHORIZATION", "Bearer x")),
                inHttp(str(2, "GET"), str(4, q), len(3, cat(str(1, "authorization"), str(2, "Bearer x"),
                        str(2, "Bearer good")))),
                inHttp(str(2, "GET"), str(4, q), len(3, cat(str(2, "Bearer good"), str(1, "authorization")))),
                inHttp(str(2, "GET"), str(4, q), hdr("authorization", "Bearer good"), str(2, "POST"), str(4, w)),
                inHttp(str(2, "POST"), str(4, w), hdr("authorization", "Bearer good"), str(2, "GET"), str(4, q)),
                inHttp(str(2, "POST"), hdr(":path", w), hdr("authorization", "Bearer good")),
                inHttp(str(2, "POST"), str(4, ""), hdr(":path", w), hdr("authorization", "Bearer good")),
                inHttp(str(2, "POST"), str(4, q), hdr(":path", w), hdr("authorization", "Bearer good")),
                inHttp(str(2, "GET"), hdr(":path", q), hdr(":path", "/api/v1/admin/tsdb/delete_series"),
                        hdr("authorization", "Bearer good")),
                cat(inHttp(str(2, "GET"), str(4, q)), inHttp(hdr("authorization", "Bearer good"), str(4, w),
                        str(2, "POST"))),
                inHttp(cat(tag(2, 0, 0), varint(1)), str(4, w), hdr("authorization", "Bearer good")),
                inHttp(len(2, "POST".getBytes(), 4, 4), len(4, w.getBytes(), 3, 3), hdr("authorization", "Bearer good")),
                inHttp(str(2, "POST"), str(4, "/api/v1/query"), hdr("authorization", "Bearer good"),
                        hdr("content-type", "application/x-www-form-urlencoded"), hdr("content-length", "40"),
                        str(11, "query=up")),
                inHttp(str(2, "POST"), str(4, "/api/v1/query"), hdr("authorization", "Bearer good"),
                        hdr("content-type", "application/x-www-form-urlencoded"),
                        hdr("x-envoy-auth-partial-body", "true"), str(11, "query=up")),
                inHttp(str(2, "POST"), str(4, "/api/v1/query"), hdr("authorization", "Bearer good"),
                        hdr("content-type", "application/x-www-form-urlencoded"), len(12, "query=up".getBytes()),
                        str(11, "query=up&extra_label=x")),
                inHttp(str(2, "GET"), str(4, q + "\u00e9"), hdr("authorization", "Bearer good")),
                inHttp(str(2, "GET"), len(4, bytes(0x2F, 0x80)), hdr("authorization", "Bearer good")),
                inHttp(str(2, "GET"), str(4, q), hdr("authorization", "Bearer good"), bytes(0x0F)),
                inHttp(str(2, "GET"), str(4, q), hdr("authorization", "Bearer good"), cat(tag(9, 0, 0),
                        bytes(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00))),
                cat(inHttp(str(2, "GET"), str(4, q), hdr("authorization", "Bearer good")),
                        cat(tag(1, 2, 0), bytes(0x83, 0x80, 0x80, 0x80, 0x10), "abc".getBytes())));
        try {
            for (int i = 0; i < cases.size(); i++) {
                byte[] c = cases.get(i);
                CheckRequest parsed;
                try {
                    parsed = CheckRequest.parseFrom(c);
                } catch (InvalidProtocolBufferException e) {
                    parsed = null;
                }
                if (parsed == null) {
                    // refused as the generated binding refuses it (gRPC reports a marshaller's INTERNAL as UNKNOWN)
                    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                            () -> ClientCalls.blockingUnaryCall(channel, raw, CallOptions.DEFAULT, c), "case " + i);
                    StatusRuntimeException ref = assertThrows(StatusRuntimeException.class,
                            () -> ClientCalls.blockingUnaryCall(refChannel, raw, CallOptions.DEFAULT, c), "case " + i);
                    assertEquals(ref.getStatus().getCode(), e.getStatus().getCode(), "case " + i);
                    assertEquals(ref.getStatus().getDescription(), e.getStatus().getDescription(), "case " + i);
                    continue;
                }
                assertEquals(CheckResponse.parseFrom(ClientCalls.blockingUnaryCall(refChannel, raw, CallOptions.DEFAULT,
                        c)), CheckResponse.parseFrom(ClientCalls.blockingUnaryCall(channel, raw, CallOptions.DEFAULT, c)),
                        "case " + i + " against the generated binding");
                CheckResponse wire = CheckResponse.parseFrom(
                        ClientCalls.blockingUnaryCall(channel, raw, CallOptions.DEFAULT, c));
                AtomicReference<CheckResponse> direct = new AtomicReference<>();
                service.check(parsed, new StreamObserver<>() {
                    @Override
                    public void onNext(CheckResponse value) {
                        direct.set(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                        throw new AssertionError(t);
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
                assertEquals(direct.get(), wire, "case " + i + " " + hex(c));
            }
        } finally {
            channel.shutdownNow();
            refChannel.shutdownNow();
            server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            reference.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
    }
}

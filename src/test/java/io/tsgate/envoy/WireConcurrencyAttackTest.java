package io.tsgate.envoy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.rpc.Code;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tsgate.auth.Access;
import io.tsgate.auth.BearerTokenAuthenticator;
import io.tsgate.auth.CredentialRejectedException;
import io.tsgate.auth.Mode;
import io.tsgate.policy.Allow;
import io.tsgate.policy.DecisionObserver;
import io.tsgate.policy.RequestAuthorizer;
import io.tsgate.request.RequestClass;
import io.tsgate.request.Tenant;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Attacks on the identity table and the reply marshaller: many identities sharing slots, looked up from many threads
 * at once (gRPC's event loops with a direct executor, as in Gateway), answered over a real HTTP/2 gRPC connection and
 * read by the generated client, as Envoy reads a CheckResponse. Safe: every allow carries its own identity and path,
 * forged x-tsgate-* headers are overwritten or removed, and a deny never reads as an allow.
 */
class WireConcurrencyAttackTest {
    private static final int IDENTITIES = 5000;

    private static Access identity(int i) {
        return new Access(new Tenant(i, i % 11), List.of(), List.of(), Mode.FULL, "sub-" + i, "kid-" + i, null);
    }

    private static String header(CheckResponse r, String key) {
        return r.getOkResponse().getHeadersList().stream().filter(h -> h.getHeader().getKey().equals(key))
                .map(h -> h.getHeader().getValue()).reduce((a, b) -> a + "|" + b).orElse(null);
    }

    /** CheckResponses alone, hammered from 8 threads with identities that collide in the 1024 slots. */
    @Test
    void concurrentLookupsNeverAnswerWithAnotherIdentity() throws Exception {
        Access[] ids = new Access[IDENTITIES];
        for (int i = 0; i < IDENTITIES; i++) {
            ids[i] = identity(i);
        }
        List<String> always = List.of("authorization", "accountid", "projectid");
        CheckResponses responses = new CheckResponses(Map.of(), always);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Integer>> done = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                done.add(pool.submit(() -> {
                    ThreadLocalRandom r = ThreadLocalRandom.current();
                    for (int k = 0; k < 15_000; k++) {
                        // a few hot slots: identities i and i+1024·j share one
                        int i = (r.nextInt(8) + 1024 * r.nextInt(4)) % IDENTITIES;
                        if (r.nextInt(4) == 0) {
                            i = r.nextInt(IDENTITIES);
                        }
                        RequestClass c = RequestClass.values()[r.nextInt(RequestClass.values().length)];
                        String path = "/api/v1/query?query=up&i=" + i + "&k=" + k;
                        CheckResponse resp = responses.of(new Allow(path, ids[i], c, always)).message();
                        String tenant = i + ":" + (i % 11);
                        assertEquals(tenant, header(resp, "x-tsgate-tenant"));
                        assertEquals(c.label(), header(resp, "x-tsgate-class"));
                        assertEquals(path, header(resp, ":path"));
                        assertEquals(tenant, resp.getDynamicMetadata().getFieldsOrThrow(AuthzMetadata.TENANT)
                                .getStringValue());
                        assertEquals("sub-" + i, resp.getDynamicMetadata().getFieldsOrThrow(AuthzMetadata.SUBJECT)
                                .getStringValue());
                        assertEquals(c.label(), resp.getDynamicMetadata().getFieldsOrThrow(AuthzMetadata.CLASS)
                                .getStringValue());
                        assertEquals(always, resp.getOkResponse().getHeadersToRemoveList());
                    }
                    return 0;
                }));
            }
            for (Future<Integer> f : done) {
                f.get(5, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static CheckRequest request(String method, String path, String token, Map<String, String> extra) {
        AttributeContext.HttpRequest.Builder http = AttributeContext.HttpRequest.newBuilder()
                .setMethod(method).setPath(path).putHeaders(":path", path).putHeaders(":method", method)
                .putHeaders("authorization", "Bearer " + token);
        extra.forEach(http::putHeaders);
        return CheckRequest.newBuilder().setAttributes(AttributeContext.newBuilder()
                .setRequest(AttributeContext.Request.newBuilder().setHttp(http))).build();
    }

    /** Raw bytes off the HTTP/2 connection (many frames for long paths) are protobuf's canonical encoding. */
    @Test
    void rawBytesOverGrpcAreCanonical() throws Exception {
        Access id = identity(42);
        RequestAuthorizer authorizer = new RequestAuthorizer(new BearerTokenAuthenticator("authorization", t -> id),
                false);
        ExtAuthzService service = new ExtAuthzService(authorizer,
                new DecisionObserver(new PrometheusRegistry(), 0, false), Map.of());
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).directExecutor()
                .addService(service).build().start();
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext()
                .maxInboundMessageSize(64 << 20).build();
        io.grpc.MethodDescriptor.Marshaller<byte[]> raw = new io.grpc.MethodDescriptor.Marshaller<>() {
            @Override
            public java.io.InputStream stream(byte[] value) {
                return new java.io.ByteArrayInputStream(value);
            }

            @Override
            public byte[] parse(java.io.InputStream stream) {
                try {
                    return stream.readAllBytes();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        };
        io.grpc.MethodDescriptor<CheckRequest, byte[]> m = AuthorizationGrpc.getCheckMethod().toBuilder(
                AuthorizationGrpc.getCheckMethod().getRequestMarshaller(), raw).build();
        try {
            for (String path : List.of("/api/v1/query?query=up", "/api/v1/query?query=%E2%82%AC&extra_label=a%3D%C3%A4",
                    "/api/v1/query?query=" + "x".repeat(127), "/api/v1/query?query=" + "y".repeat(16_400),
                    "/api/v1/query?query=" + "z".repeat(70_000), "/api/v1/query?query=" + "w".repeat(1_000_000))) {
                byte[] bytes = io.grpc.stub.ClientCalls.blockingUnaryCall(channel, m, io.grpc.CallOptions.DEFAULT,
                        request("GET", path, "t42", Map.of()));
                CheckResponse parsed = CheckResponse.parseFrom(bytes);
                org.junit.jupiter.api.Assertions.assertArrayEquals(parsed.toByteArray(), bytes, path.length() + "");
                if (path.length() < 100_000) {
                    assertEquals(Code.OK_VALUE, parsed.getStatus().getCode(), path.length() + " " + parsed.getStatus().getMessage());
                    assertEquals("42:9", header(parsed, "x-tsgate-tenant"));
                }
            }
        } finally {
            channel.shutdownNow();
            server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    /** The real service over HTTP/2, many connections on Netty's event loops, read by the generated stub. */
    @Test
    void overGrpcEveryAnswerIsItsOwnAndForgeriesDoNotSurvive() throws Exception {
        Access[] ids = new Access[IDENTITIES];
        for (int i = 0; i < IDENTITIES; i++) {
            ids[i] = identity(i);
        }
        RequestAuthorizer authorizer = new RequestAuthorizer(new BearerTokenAuthenticator("authorization", t -> {
            if (!t.startsWith("t")) {
                throw new CredentialRejectedException("invalid_token", "no such token");
            }
            return ids[Integer.parseInt(t.substring(1))];
        }), false);
        ExtAuthzService service = new ExtAuthzService(authorizer,
                new DecisionObserver(new PrometheusRegistry(), 0, false), Map.of());
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).directExecutor()
                .addService(service).build().start();
        List<ManagedChannel> channels = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            for (int c = 0; c < 8; c++) {
                channels.add(NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext()
                        .directExecutor().build());
            }
            List<Future<Integer>> done = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                AuthorizationGrpc.AuthorizationBlockingStub stub = AuthorizationGrpc.newBlockingStub(channels.get(t));
                done.add(pool.submit(() -> {
                    ThreadLocalRandom r = ThreadLocalRandom.current();
                    for (int k = 0; k < 1_000; k++) {
                        int i = (r.nextInt(8) + 1024 * r.nextInt(4)) % IDENTITIES;
                        boolean write = r.nextBoolean();
                        int forge = r.nextInt(4);
                        Map<String, String> extra = switch (forge) {
                            case 0 -> Map.of("x-tsgate-tenant", "0:0", "x-tsgate-class", "admin");
                            case 1 -> Map.of("x-tsgate-tenant-id", "0:0");
                            case 2 -> Map.of("accountid", "0", "projectid", "0");
                            default -> Map.of();
                        };
                        String path = write ? "/api/v1/write" : "/api/v1/query?query=up%7Bi%3D%22" + i + "%22%7D";
                        boolean bad = r.nextInt(10) == 0;
                        CheckResponse resp = stub.check(request(write ? "POST" : "GET", path,
                                bad ? "x" + i : "t" + i, extra));
                        if (bad) {
                            assertNotEquals(Code.OK_VALUE, resp.getStatus().getCode());
                            assertFalse(resp.hasOkResponse());
                            assertTrue(resp.hasDeniedResponse());
                            continue;
                        }
                        String tenant = i + ":" + (i % 11);
                        String cls = (write ? RequestClass.WRITE : RequestClass.READ).label();
                        assertEquals(Code.OK_VALUE, resp.getStatus().getCode());
                        assertTrue(resp.hasOkResponse());
                        assertEquals(tenant, header(resp, "x-tsgate-tenant"));
                        assertEquals(cls, header(resp, "x-tsgate-class"));
                        assertEquals(tenant, resp.getDynamicMetadata().getFieldsOrThrow(AuthzMetadata.TENANT)
                                .getStringValue());
                        assertEquals("sub-" + i, resp.getDynamicMetadata().getFieldsOrThrow(AuthzMetadata.SUBJECT)
                                .getStringValue());
                        resp.getOkResponse().getHeadersList().forEach(h -> assertEquals(
                                HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD, h.getAppendAction()));
                        resp.getOkResponse().getHeadersList().forEach(h -> assertTrue(h.hasAppend()
                                && !h.getAppend().getValue()));
                        List<String> removed = resp.getOkResponse().getHeadersToRemoveList();
                        assertTrue(removed.containsAll(List.of("authorization", "accountid", "projectid")), removed::toString);
                        if (forge == 1) {
                            assertTrue(removed.contains("x-tsgate-tenant-id"), removed::toString);
                        }
                        assertFalse(removed.contains("x-tsgate-tenant") || removed.contains("x-tsgate-class"));
                        assertTrue(resp.getUnknownFields().asMap().isEmpty());
                    }
                    return 0;
                }));
            }
            for (Future<Integer> f : done) {
                f.get(5, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
            channels.forEach(ManagedChannel::shutdownNow);
            server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
    }
}

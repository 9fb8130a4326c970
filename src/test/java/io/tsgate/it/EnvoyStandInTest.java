package io.tsgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.BoolValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.rpc.Code;
import com.google.rpc.Status;
import com.sun.net.httpserver.HttpServer;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption.HeaderAppendAction;
import io.envoyproxy.envoy.config.core.v3.QueryParameter;
import io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.CheckSettings;
import io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute;
import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.HeadersResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import java.util.concurrent.CopyOnWriteArrayList;
import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.envoyproxy.envoy.service.auth.v3.DeniedHttpResponse;
import io.envoyproxy.envoy.service.auth.v3.OkHttpResponse;
import io.envoyproxy.envoy.type.v3.HttpStatus;
import io.envoyproxy.envoy.type.v3.StatusCode;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.stub.StreamObserver;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The stand-in runs the shipped configs the way Envoy v1.34.0 (commit d7809ba2b0) does; checked against a fake
 * authz/ext_proc server and echo upstreams. Each test names the Envoy source it models.
 */
class EnvoyStandInTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private volatile Function<CheckRequest, CheckResponse> authzAnswer = r -> allow(OkHttpResponse.getDefaultInstance());
    private volatile boolean authzFails;
    private volatile boolean authzHangs;
    private final List<ProcessingRequest> extProcSeen = new CopyOnWriteArrayList<>();
    private final AtomicInteger upstreamHits = new AtomicInteger();

    private Server grpcServer;
    private ManagedChannel channel;
    private final List<HttpServer> upstreams = new ArrayList<>();
    private EnvoyStandIn envoy;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeEach
    void start() throws IOException {
        String name = InProcessServerBuilder.generateName();
        grpcServer = InProcessServerBuilder.forName(name).directExecutor()
                .addService(new AuthorizationGrpc.AuthorizationImplBase() {
                    @Override
                    public void check(CheckRequest request, StreamObserver<CheckResponse> out) {
                        if (authzHangs) {
                            return; // never answers; shutdownNow() cancels the call
                        }
                        if (authzFails) {
                            out.onError(io.grpc.Status.UNAVAILABLE.withDescription("down").asRuntimeException());
                            return;
                        }
                        out.onNext(authzAnswer.apply(request));
                        out.onCompleted();
                    }
                })
                .addService(new ExternalProcessorGrpc.ExternalProcessorImplBase() {
                    @Override
                    public StreamObserver<ProcessingRequest> process(StreamObserver<ProcessingResponse> out) {
                        return new StreamObserver<>() {
                            @Override
                            public void onNext(ProcessingRequest r) {
                                extProcSeen.add(r);
                                out.onNext(ProcessingResponse.newBuilder()
                                        .setRequestHeaders(HeadersResponse.getDefaultInstance()).build());
                            }

                            @Override
                            public void onError(Throwable t) {
                            }

                            @Override
                            public void onCompleted() {
                                out.onCompleted();
                            }
                        };
                    }
                }).build().start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        envoy = standIn(EnvoyConfig.single(), "victoriametrics", 1);
    }

    /** A stand-in for {@code config} whose HTTP clusters are echo servers ({@code cluster} gets {@code n}). */
    private EnvoyStandIn standIn(EnvoyConfig config, String cluster, int n, String... otherClusters) throws IOException {
        EnvoyStandIn.Builder b = EnvoyStandIn.builder(config).grpc("tsgate", channel).checkTimeout(Duration.ofMillis(300));
        URI[] endpoints = new URI[n];
        for (int i = 0; i < n; i++) {
            endpoints[i] = echoServer("e" + i);
        }
        b.cluster(cluster, endpoints);
        for (String other : otherClusters) {
            b.cluster(other, echoServer(other));
        }
        return b.start();
    }

    private URI echoServer(String id) throws IOException {
        HttpServer upstream = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        upstream.createContext("/", exchange -> {
            upstreamHits.incrementAndGet();
            Map<String, Object> echo = new LinkedHashMap<>();
            echo.put("upstream", id);
            echo.put("method", exchange.getRequestMethod());
            echo.put("target", exchange.getRequestURI().toString());
            Map<String, List<String>> headers = new LinkedHashMap<>();
            exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(), v));
            echo.put("headers", headers);
            echo.put("body", new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            byte[] out = JSON.writeValueAsBytes(echo);
            exchange.getResponseHeaders().add("X-Upstream", "yes");
            exchange.sendResponseHeaders(200, out.length);
            exchange.getResponseBody().write(out);
            exchange.close();
        });
        upstream.start();
        upstreams.add(upstream);
        return URI.create("http://127.0.0.1:" + upstream.getAddress().getPort());
    }

    @AfterEach
    void stop() {
        envoy.close();
        upstreams.forEach(u -> u.stop(0));
        channel.shutdownNow();
        grpcServer.shutdownNow();
    }

    @Test
    void checkRequestCarriesPathPseudoHeadersAndEdgeHeaders() throws Exception {
        send(HttpRequest.newBuilder(uri("/api/v1/query?query=up&x=%2F&x=2"))
                .header("X-Multi", "a").header("X-Multi", "b").header("Authorization", "Bearer t").GET());
        var http = envoy.lastCheck().request().getAttributes().getRequest().getHttp();
        assertEquals("/api/v1/query?query=up&x=%2F&x=2", http.getPath(), "%2F in the query is not a path slash");
        assertEquals("GET", http.getMethod());
        assertEquals("HTTP/1.1", http.getProtocol());
        Map<String, String> h = http.getHeadersMap();
        assertEquals("/api/v1/query?query=up&x=%2F&x=2", h.get(":path"));
        assertEquals(envoy.baseUri().getAuthority(), h.get(":authority"));
        assertFalse(h.containsKey("host"), "Envoy carries Host as :authority");
        assertEquals("a,b", h.get("x-multi"));
        assertEquals("127.0.0.1", h.get("x-forwarded-for"));
        assertEquals("http", h.get("x-forwarded-proto"));
        assertTrue(h.containsKey("x-request-id"));
    }

    /** conn_manager_utility.cc mutateRequestHeaders: hop-by-hop headers and transfer-encoding go before filters. */
    @Test
    void transferEncodingAndHopByHopHeadersAreStrippedBeforeTheFilters() {
        EnvoyStandIn.Response r = envoy.send(EnvoyStandIn.Downstream.of("POST", "/api/v1/import/prometheus",
                "m 1\n".getBytes(StandardCharsets.UTF_8), "Host", "vm", "Transfer-Encoding", "chunked",
                "Connection", "keep-alive", "Keep-Alive", "5", "TE", "gzip", "X-Envoy-Internal", "true"));
        assertEquals(200, r.status());
        Map<String, String> h = envoy.lastCheck().request().getAttributes().getRequest().getHttp().getHeadersMap();
        for (String gone : List.of("transfer-encoding", "connection", "keep-alive", "te", "x-envoy-internal")) {
            assertFalse(h.containsKey(gone), gone);
        }
    }

    /** codec_impl.cc: Transfer-Encoding with Content-Length is 400; a coding other than chunked 501. */
    @Test
    void codecRejectsAmbiguousOrUnknownTransferEncoding() {
        assertEquals(400, envoy.send(EnvoyStandIn.Downstream.of("POST", "/api/v1/write", new byte[1],
                "Transfer-Encoding", "chunked", "Content-Length", "1")).status());
        assertEquals(501, envoy.send(EnvoyStandIn.Downstream.of("POST", "/api/v1/write", new byte[1],
                "Transfer-Encoding", "gzip")).status());
        assertNull(envoy.lastCheck());
    }

    /** conn_manager_utility.cc maybeNormalizePath with envoy-single.yaml's options. */
    @Test
    void pathIsNormalizedAndEscapedSlashesRejectedBeforeTheCheck() throws Exception {
        send(HttpRequest.newBuilder(uri("/api/v1/../v1/./query?query=up")).GET());
        assertEquals("/api/v1/query?query=up", envoy.lastCheck().request().getAttributes().getRequest().getHttp().getPath());
        send(HttpRequest.newBuilder(uri("/api/v1/%2E%2e/v1/query")).GET());
        assertEquals("/api/v1/query", envoy.lastCheck().request().getAttributes().getRequest().getHttp().getPath(),
                "googleurl reads %2e as a dot in dot segments");
        send(HttpRequest.newBuilder(uri("//api/v1/query")).GET());
        assertEquals("//api/v1/query", envoy.lastCheck().request().getAttributes().getRequest().getHttp().getPath(),
                "merge_slashes: false");
        int before = upstreamHits.get();
        assertEquals(400, send(HttpRequest.newBuilder(uri("/api/v1/query%2Fx")).GET()).statusCode());
        assertEquals(400, send(HttpRequest.newBuilder(uri("/api/v1/query%5cx")).GET()).statusCode());
        assertEquals(before, upstreamHits.get());
    }

    @Test
    void pathHeaderReplacesPathAndQueryKeepingRepeatedKeys() throws Exception {
        String rewritten = "/api/v1/query?query=up&extra_label=team%3Ddev&extra_label=env%3Dprod";
        authzAnswer = r -> allow(OkHttpResponse.newBuilder().addHeaders(set(":path", rewritten)).build());
        JsonNode echo = echo(send(HttpRequest.newBuilder(uri("/api/v1/query?query=up&extra_label=team%3Dprod")).GET()));
        assertEquals(rewritten, echo.get("target").asText());
    }

    @Test
    void queryParameterMutationsFollowHeadersAndKeepOneValuePerKeySorted() throws Exception {
        authzAnswer = r -> allow(OkHttpResponse.newBuilder().addHeaders(set(":path", "/p?b=2&a=1&a=3&c=x"))
                .addQueryParametersToSet(QueryParameter.newBuilder().setKey("a").setValue("9"))
                .addQueryParametersToRemove("c").build());
        JsonNode echo = echo(send(HttpRequest.newBuilder(uri("/original?z=1")).GET()));
        assertEquals("/p?a=9&b=2", echo.get("target").asText());
    }

    @Test
    void removalDropsHeadersButNeverPseudoHeadersOrHost() throws Exception {
        authzAnswer = r -> allow(OkHttpResponse.newBuilder()
                .addHeadersToRemove("authorization").addHeadersToRemove(":path").addHeadersToRemove("host")
                .addHeadersToRemove("x-not-there").build());
        JsonNode echo = echo(send(HttpRequest.newBuilder(uri("/api/v1/labels?x=1"))
                .header("Authorization", "Bearer secret").GET()));
        assertEquals("/api/v1/labels?x=1", echo.get("target").asText());
        assertFalse(echo.get("headers").has("authorization"));
        assertNull(envoy.lastForwarded().headers().first("authorization"));
    }

    /**
     * ext_authz_grpc_impl.cc copyHeaderFieldIntoResponse (v1.34.0): OkHttpResponse.headers read only append (absent =
     * false: set; true: append to an existing header), never append_action; sets apply before appends. The client
     * sends {@code x-a: 1}; "-" means absent.
     */
    @ParameterizedTest(name = "{0} append={1} on {2} -> {3}")
    @CsvSource(delimiter = ';', value = {
        "APPEND_IF_EXISTS_OR_ADD; ; x-a; 2",
        "APPEND_IF_EXISTS_OR_ADD; ; x-b; 2",
        "ADD_IF_ABSENT; ; x-a; 2",
        "OVERWRITE_IF_EXISTS; ; x-b; 2",
        "OVERWRITE_IF_EXISTS_OR_ADD; ; x-a; 2",
        "APPEND_IF_EXISTS_OR_ADD; true; x-a; '1,2'",
        "OVERWRITE_IF_EXISTS_OR_ADD; true; x-a; '1,2'",
        "APPEND_IF_EXISTS_OR_ADD; true; x-b; -",
        "APPEND_IF_EXISTS_OR_ADD; false; x-a; 2",
    })
    void okResponseHeadersReadOnlyAppend(HeaderAppendAction action, Boolean append, String name, String expected)
            throws Exception {
        HeaderValueOption.Builder option = HeaderValueOption.newBuilder()
                .setHeader(HeaderValue.newBuilder().setKey(name).setValue("2")).setAppendAction(action);
        if (append != null) {
            option.setAppend(BoolValue.of(append));
        }
        authzAnswer = r -> allow(OkHttpResponse.newBuilder().addHeaders(option).build());
        JsonNode headers = echo(send(HttpRequest.newBuilder(uri("/x")).header("X-A", "1").GET())).get("headers");
        if (expected.equals("-")) {
            assertFalse(headers.has(name), headers.toString());
        } else {
            List<String> values = new ArrayList<>();
            headers.get(name).forEach(v -> values.add(v.asText()));
            assertEquals(List.of(expected), values);
        }
    }

    /** ext_authz_grpc_impl.cc: the value comes from {@code value}; a {@code raw_value}-only entry sets an empty one. */
    @Test
    void rawValueIsIgnoredInExtAuthzHeaders() throws Exception {
        authzAnswer = r -> allow(OkHttpResponse.newBuilder().addHeaders(HeaderValueOption.newBuilder()
                .setHeader(HeaderValue.newBuilder().setKey("x-raw").setRawValue(com.google.protobuf.ByteString.copyFromUtf8("v")))
                .setAppend(BoolValue.of(false))).build());
        JsonNode headers = echo(send(HttpRequest.newBuilder(uri("/x")).GET())).get("headers");
        assertEquals("", headers.get("x-raw").get(0).asText());
    }

    /** ext_authz.cc getPerRouteFlags: without a route the check is skipped, and the router answers 404. */
    @Test
    void withoutARouteTheCheckIsSkippedAndTheAnswerIs404() throws Exception {
        envoy.close();
        envoy = standIn(EnvoyConfig.single().with(b -> {
            var host = b.getRouteConfigBuilder().getVirtualHostsBuilder(0);
            host.removeRoutes(host.getRoutesCount() - 1); // the catch-all
            return b;
        }), "victoriametrics", 1);
        assertEquals(404, send(HttpRequest.newBuilder(uri("/api/v1/write")).GET()).statusCode());
        assertNull(envoy.lastCheck());
    }

    /** ext_authz.cc onComplete: with validate_mutations an invalid header value makes the reply 500. */
    @Test
    void invalidMutationIs500WithValidateMutations() throws Exception {
        authzAnswer = r -> allow(OkHttpResponse.newBuilder().addHeaders(set("x-a", "a\r\nb")).build());
        assertEquals(500, send(HttpRequest.newBuilder(uri("/x")).GET()).statusCode());
        assertEquals(0, upstreamHits.get());
    }

    /** ext_authz_grpc_impl.cc: response_headers_to_add honour append_action when append is absent. */
    @Test
    void responseHeadersToAddLandOnTheUpstreamResponse() throws Exception {
        authzAnswer = r -> allow(OkHttpResponse.newBuilder()
                .addResponseHeadersToAdd(HeaderValueOption.newBuilder().setHeader(HeaderValue.newBuilder()
                        .setKey("x-upstream").setValue("overwritten")).setAppendAction(HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD))
                .addResponseHeadersToAdd(HeaderValueOption.newBuilder().setHeader(HeaderValue.newBuilder()
                        .setKey("x-extra").setValue("e")).setAppendAction(HeaderAppendAction.ADD_IF_ABSENT)).build());
        HttpResponse<String> r = send(HttpRequest.newBuilder(uri("/x")).GET());
        assertEquals(List.of("overwritten"), r.headers().allValues("x-upstream"));
        assertEquals(List.of("e"), r.headers().allValues("x-extra"));
    }

    /** ext_authz.cc onComplete Denied: only the set entries reach the local reply; append: true ones are dropped. */
    @Test
    void deniedResponseIsSentAsIsAndNeverForwarded() throws Exception {
        authzAnswer = r -> CheckResponse.newBuilder()
                .setStatus(Status.newBuilder().setCode(Code.UNAUTHENTICATED_VALUE))
                .setDeniedResponse(DeniedHttpResponse.newBuilder()
                        .setStatus(HttpStatus.newBuilder().setCode(StatusCode.Unauthorized))
                        .addHeaders(set("www-authenticate", "Bearer error=\"invalid_token\""))
                        .addHeaders(set("content-type", "application/json"))
                        .addHeaders(set("x-appended", "1").toBuilder().setAppend(BoolValue.of(true)))
                        .setBody("{\"status\":\"error\"}")).build();
        HttpResponse<String> r = send(HttpRequest.newBuilder(uri("/api/v1/query?query=up")).GET());
        assertEquals(401, r.statusCode());
        assertEquals("Bearer error=\"invalid_token\"", r.headers().firstValue("www-authenticate").orElseThrow());
        assertEquals("application/json", r.headers().firstValue("content-type").orElseThrow());
        assertTrue(r.headers().firstValue("x-appended").isEmpty());
        assertEquals("{\"status\":\"error\"}", r.body());
        assertEquals(0, upstreamHits.get());
    }

    @Test
    void deniedWithoutHttpStatusIs403() throws Exception {
        authzAnswer = r -> CheckResponse.newBuilder().setStatus(Status.newBuilder().setCode(Code.PERMISSION_DENIED_VALUE))
                .build();
        assertEquals(403, send(HttpRequest.newBuilder(uri("/x")).GET()).statusCode());
        assertEquals(0, upstreamHits.get());
    }

    /** ext_authz.cc CheckStatus::Error: status_on_error (503 in envoy/*.yaml), failure_mode_allow false. */
    @Test
    void failedCheckRpcIsStatusOnError503() throws Exception {
        authzFails = true;
        assertEquals(503, send(HttpRequest.newBuilder(uri("/x")).GET()).statusCode());
        assertEquals(io.grpc.Status.Code.UNAVAILABLE, envoy.lastCheck().error().getStatus().getCode());
        assertEquals(0, upstreamHits.get());
    }

    @Test
    void checkTimeoutIs503() throws Exception {
        authzHangs = true;
        assertEquals(503, send(HttpRequest.newBuilder(uri("/x")).GET()).statusCode());
        assertEquals(io.grpc.Status.Code.DEADLINE_EXCEEDED, envoy.lastCheck().error().getStatus().getCode());
        assertEquals(0, upstreamHits.get());
    }

    /**
     * ext_authz.cc FilterConfig: pack_as_bytes is read from the filter's with_request_body only, so the per-route one in
     * envoy/*.yaml has no effect: the body arrives in {@code body}. Bodies go to the Check only on the read routes.
     */
    @Test
    void bodyGoesToAuthzInBodyOnReadRoutesOnlyAndAlwaysUpstream() throws Exception {
        JsonNode read = echo(send(HttpRequest.newBuilder(uri("/api/v1/query"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("query=up"))));
        var http = envoy.lastCheck().request().getAttributes().getRequest().getHttp();
        assertEquals("query=up", http.getBody());
        assertTrue(http.getRawBody().isEmpty(), "per-route pack_as_bytes is ignored");
        assertEquals("false", http.getHeadersMap().get("x-envoy-auth-partial-body"));
        assertEquals(8, http.getSize());
        assertEquals("query=up", read.get("body").asText());

        JsonNode write = echo(send(HttpRequest.newBuilder(uri("/api/v1/import/prometheus"))
                .POST(HttpRequest.BodyPublishers.ofString("m 1\n"))));
        http = envoy.lastCheck().request().getAttributes().getRequest().getHttp();
        assertTrue(http.getBody().isEmpty() && http.getRawBody().isEmpty());
        assertFalse(http.getHeadersMap().containsKey("x-envoy-auth-partial-body"));
        assertEquals("m 1\n", write.get("body").asText());
    }

    /** check_request_utils.cc + MessageUtil::sanitizeUtf8String: each invalid byte becomes '!', same length. */
    @Test
    void invalidUtf8InABufferedBodyBecomesBangsOfTheSameLength() {
        byte[] body = {'q', '=', (byte) 0xff, (byte) 0xe2, (byte) 0x82, 'a', (byte) 0xc3, (byte) 0xa9};
        envoy.send(EnvoyStandIn.Downstream.of("POST", "/api/v1/query", body, "Content-Type",
                "application/x-www-form-urlencoded"));
        String seen = envoy.lastCheck().request().getAttributes().getRequest().getHttp().getBody();
        assertEquals("q=!!!a\u00e9", seen);
        assertEquals(body.length, seen.getBytes(StandardCharsets.UTF_8).length);
    }

    @Test
    void oversizedBodyIs413UnlessPartialMessagesAreAllowed() throws Exception {
        String big = "query=" + "x".repeat(70_000);
        assertEquals(413, send(HttpRequest.newBuilder(uri("/api/v1/query"))
                .POST(HttpRequest.BodyPublishers.ofString(big))).statusCode());
        assertEquals(0, upstreamHits.get());

        envoy.close();
        envoy = standIn(EnvoyConfig.single().with(b -> {
            var route = b.getRouteConfigBuilder().getVirtualHostsBuilder(0).getRoutesBuilder(0);
            var perRoute = RouteTableTestSupport.authzPerRoute(route);
            perRoute.getCheckSettingsBuilder().getWithRequestBodyBuilder().setMaxRequestBytes(64).setAllowPartialMessage(true);
            RouteTableTestSupport.setAuthzPerRoute(route, perRoute.build());
            return b;
        }), "victoriametrics", 1);
        JsonNode echo = echo(send(HttpRequest.newBuilder(uri("/api/v1/query"))
                .POST(HttpRequest.BodyPublishers.ofString(big))));
        var http = envoy.lastCheck().request().getAttributes().getRequest().getHttp();
        assertEquals(big.substring(0, 64), http.getBody());
        assertEquals("true", http.getHeadersMap().get("x-envoy-auth-partial-body"));
        assertEquals(big, echo.get("body").asText());
    }

    @Test
    void clientCannotSpoofPartialBodyHeader() throws Exception {
        send(HttpRequest.newBuilder(uri("/x")).header("x-envoy-auth-partial-body", "false").GET());
        assertNull(envoy.lastCheck().request().getAttributes().getRequest().getHttp().getHeadersMap()
                .get("x-envoy-auth-partial-body"));
    }

    /** ext_authz.cc onComplete: the metadata lands under the filter's name, with ext_authz_duration added. */
    @Test
    void dynamicMetadataReachesExtProcUnderTheFiltersName() throws Exception {
        Struct metadata = Struct.newBuilder().putFields("tenant", Value.newBuilder().setStringValue("0:0").build()).build();
        authzAnswer = r -> allow(OkHttpResponse.getDefaultInstance()).toBuilder().setDynamicMetadata(metadata).build();
        send(HttpRequest.newBuilder(uri("/api/v1/write")).POST(HttpRequest.BodyPublishers.ofString("x")));
        Struct forwarded = extProcSeen.get(0).getMetadataContext().getFilterMetadataMap().get(EnvoyConfig.EXT_AUTHZ);
        assertEquals("0:0", forwarded.getFieldsMap().get("tenant").getStringValue());
        assertTrue(forwarded.containsFields("ext_authz_duration"));
    }

    /**
     * Route table of envoy-single.yaml: ext_authz's per-route settings come from the client's path; after a rewrite
     * with clear_route_cache, ext_proc's come from the new path (disabled on read routes).
     */
    @Test
    void perRouteSettingsResolveBeforeAndAfterTheRewrite() throws Exception {
        send(HttpRequest.newBuilder(uri("/api/v1/query")).POST(HttpRequest.BodyPublishers.ofString("query=up")));
        assertEquals(0, extProcSeen.size(), "read route: ext_proc disabled");
        authzAnswer = r -> allow(OkHttpResponse.newBuilder().addHeaders(set(":path", "/api/v1/import")).build());
        send(HttpRequest.newBuilder(uri("/api/v1/query")).POST(HttpRequest.BodyPublishers.ofString("query=up")));
        assertFalse(envoy.lastCheck().request().getAttributes().getRequest().getHttp().getBody().isEmpty(),
                "the Check used the client's route: body forwarded");
        assertEquals("/api/v1/import", extProcSeen.get(0).getRequestHeaders().getHeaders().getHeadersList().stream()
                .filter(h -> h.getKey().equals(":path")).findFirst().orElseThrow().getRawValue().toStringUtf8(),
                "ext_proc ran on the route picked again from the rewritten path");
    }

    /** ext_authz.cc initiateCall: context_extensions merge virtual host then route. */
    @Test
    void contextExtensionsMergeVirtualHostAndRoute() throws Exception {
        envoy.close();
        envoy = standIn(EnvoyConfig.single().with(b -> {
            var host = b.getRouteConfigBuilder().getVirtualHostsBuilder(0);
            host.putTypedPerFilterConfig(EnvoyConfig.EXT_AUTHZ, com.google.protobuf.Any.pack(ExtAuthzPerRoute.newBuilder()
                    .setCheckSettings(CheckSettings.newBuilder().putContextExtensions("backend", "metrics")
                            .putContextExtensions("site", "a")).build()));
            var route = host.getRoutesBuilder(0);
            var perRoute = RouteTableTestSupport.authzPerRoute(route);
            perRoute.getCheckSettingsBuilder().putContextExtensions("backend", "logs");
            RouteTableTestSupport.setAuthzPerRoute(route, perRoute.build());
            return b;
        }), "victoriametrics", 1);
        send(HttpRequest.newBuilder(uri("/api/v1/query?query=up")).GET());
        assertEquals(Map.of("backend", "logs", "site", "a"),
                envoy.lastCheck().request().getAttributes().getContextExtensionsMap());
        send(HttpRequest.newBuilder(uri("/api/v1/write")).GET());
        assertEquals(Map.of("backend", "metrics", "site", "a", "body_counting", "ext_proc"),
                envoy.lastCheck().request().getAttributes().getContextExtensionsMap());
    }

    /** envoy-cluster.yaml: unrewritten paths get the config's 404; /select and /insert reach their clusters. */
    @Test
    void clusterConfigRoutesRewrittenPathsToSelectAndInsert() throws Exception {
        envoy.close();
        envoy = standIn(EnvoyConfig.cluster(), "vmselect", 1, "vminsert");
        HttpResponse<String> notRewritten = send(HttpRequest.newBuilder(uri("/api/v1/query?query=up")).GET());
        assertEquals(404, notRewritten.statusCode());
        assertEquals("tsgate did not rewrite this request\n", notRewritten.body());

        authzAnswer = r -> allow(OkHttpResponse.newBuilder()
                .addHeaders(set(":path", "/select/1:2/prometheus/api/v1/query?query=up")).build());
        JsonNode read = echo(send(HttpRequest.newBuilder(uri("/api/v1/query?query=up")).GET()));
        assertEquals("e0", read.get("upstream").asText());
        assertEquals("select", envoy.lastForwarded().route());
        assertEquals(0, extProcSeen.size(), "select: ext_proc disabled");

        authzAnswer = r -> allow(OkHttpResponse.newBuilder()
                .addHeaders(set(":path", "/insert/1:2/prometheus/api/v1/write")).build());
        JsonNode write = echo(send(HttpRequest.newBuilder(uri("/api/v1/write")).POST(HttpRequest.BodyPublishers.ofString("x"))));
        assertEquals("vminsert", write.get("upstream").asText());
        assertEquals(1, extProcSeen.size(), "insert: ext_proc runs");
    }

    /** examples/envoy/envoy-mirror-hash.yaml: writes go to the tenant's shard and to the mirror. */
    @Test
    void mirrorHashConfigShardsByTenantAndMirrorsWrites() throws Exception {
        envoy.close();
        envoy = standIn(EnvoyConfig.mirrorHash(), "victoriametrics-shards", 2, "victoriametrics-mirror");
        authzAnswer = r -> allow(OkHttpResponse.newBuilder()
                .addHeaders(set("x-tsgate-tenant", r.getAttributes().getRequest().getHttp().getHeadersMap().get("x-t")))
                .addHeaders(set("x-tsgate-class", r.getAttributes().getRequest().getHttp().getPath().contains("write")
                        ? "write" : "read")).build());
        String shardA = echo(send(HttpRequest.newBuilder(uri("/api/v1/write")).header("x-t", "1:0")
                .POST(HttpRequest.BodyPublishers.ofString("a")))).get("upstream").asText();
        assertEquals("write-sharded-mirrored", envoy.lastForwarded().route());
        assertEquals(shardA, echo(send(HttpRequest.newBuilder(uri("/api/v1/query?query=up")).header("x-t", "1:0").GET()))
                .get("upstream").asText(), "a tenant reads from the shard it wrote to");
        assertEquals("read-query", envoy.lastForwarded().route());
        List<EnvoyStandIn.Forwarded> mirrored = Await.until("mirrored write", Duration.ofSeconds(5), envoy::mirrored,
                m -> !m.isEmpty());
        assertEquals("victoriametrics-mirror", mirrored.get(0).cluster());
        assertEquals("/api/v1/write", mirrored.get(0).path());
    }

    /**
     * An HTTP/2 client need not send Content-Length, and HTTP/2 has no Transfer-Encoding: the filters see neither.
     * ext_authz still buffers the body where the route asks for it (ext_authz.cc decodeHeaders buffers on
     * !end_stream, whatever the framing), and the router forwards it.
     */
    @Test
    void http2DownstreamShowsNoContentLengthButBuffersAndForwardsTheBody() throws Exception {
        envoy.close();
        envoy = EnvoyStandIn.builder(EnvoyConfig.single()).grpc("tsgate", channel)
                .cluster("victoriametrics", echoServer("h2")).checkTimeout(Duration.ofMillis(300))
                .downstreamHttp2().start();
        JsonNode read = echo(send(HttpRequest.newBuilder(uri("/api/v1/query"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("query=up"))));
        var http = envoy.lastCheck().request().getAttributes().getRequest().getHttp();
        assertFalse(http.getHeadersMap().containsKey("content-length"));
        assertFalse(http.getHeadersMap().containsKey("transfer-encoding"));
        assertEquals("HTTP/2", http.getProtocol());
        assertEquals("query=up", http.getBody(), "read-query buffers the body");
        assertEquals(8, http.getSize());
        assertEquals("query=up", read.get("body").asText());

        JsonNode write = echo(send(HttpRequest.newBuilder(uri("/api/v1/import/prometheus"))
                .POST(HttpRequest.BodyPublishers.ofString("m 1\n"))));
        http = envoy.lastCheck().request().getAttributes().getRequest().getHttp();
        assertFalse(http.getHeadersMap().containsKey("content-length"));
        assertTrue(http.getBody().isEmpty() && http.getRawBody().isEmpty(), "the catch-all buffers nothing");
        assertEquals(0, http.getSize());
        assertEquals("m 1\n", write.get("body").asText());
    }

    /**
     * Header values are bytes: check_request_utils.cc sanitizes them like the body (valid UTF-8 kept, each invalid
     * byte '!'), repeated headers joined with ","; the router forwards the client's bytes unchanged.
     */
    @Test
    void headerBytesOutsideAsciiReachAuthzSanitizedAndUpstreamUnchanged() throws Exception {
        byte[] nbsp = "application/x-www-form-urlencoded\u00a0".getBytes(StandardCharsets.UTF_8);
        byte[] latin1 = {'c', 'a', 'f', (byte) 0xe9};
        RawHttp.Response r = RawHttp.send(envoy.baseUri(), "POST", "/api/v1/series",
                List.of(new RawHttp.Header("Content-Type", nbsp), RawHttp.Header.utf8("Content-Type", "text/plain"),
                        new RawHttp.Header("X-Latin1", latin1)),
                "a=1".getBytes(StandardCharsets.US_ASCII));
        assertEquals(200, r.status(), r.text());
        var http = envoy.lastCheck().request().getAttributes().getRequest().getHttp();
        assertEquals("application/x-www-form-urlencoded\u00a0,text/plain", http.getHeadersMap().get("content-type"));
        assertEquals("caf!", http.getHeadersMap().get("x-latin1"), "a lone 0xE9 is not UTF-8");
        JsonNode echo = JSON.readTree(r.body());
        // The echo upstream (Java's HttpServer) reads bytes as ISO-8859-1: C2 A0 arrive as "\u00c2\u00a0".
        assertEquals(List.of("application/x-www-form-urlencoded\u00c2\u00a0", "text/plain"),
                JSON.convertValue(echo.get("headers").get("content-type"), List.class));
        assertEquals("caf\u00e9", echo.get("headers").get("x-latin1").get(0).asText());
        assertEquals("a=1", echo.get("body").asText());
    }

    private static CheckResponse allow(OkHttpResponse ok) {
        return CheckResponse.newBuilder().setStatus(Status.newBuilder().setCode(Code.OK_VALUE)).setOkResponse(ok).build();
    }

    /** How tsgate spells a set: append false explicitly, append_action for newer Envoy. */
    private static HeaderValueOption set(String name, String value) {
        return HeaderValueOption.newBuilder().setHeader(HeaderValue.newBuilder().setKey(name).setValue(value))
                .setAppend(BoolValue.of(false)).setAppendAction(HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD).build();
    }

    private URI uri(String target) {
        return URI.create(envoy.baseUri() + target);
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return client.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode echo(HttpResponse<String> r) throws IOException {
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }
}

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

/** The stand-in applies ext_authz results the way Envoy does; checked against a fake authz server and an echo upstream. */
class EnvoyStandInTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private volatile Function<CheckRequest, CheckResponse> authzAnswer = r -> allow(OkHttpResponse.getDefaultInstance());
    private volatile boolean authzFails;
    private volatile boolean authzHangs;
    private final AtomicInteger upstreamHits = new AtomicInteger();

    private Server grpcServer;
    private ManagedChannel channel;
    private HttpServer upstream;
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
                }).build().start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        upstream = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        upstream.createContext("/", exchange -> {
            upstreamHits.incrementAndGet();
            Map<String, Object> echo = new LinkedHashMap<>();
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
        envoy = standIn(EnvoyStandIn.builder(channel, URI.create("http://127.0.0.1:" + upstream.getAddress().getPort()))
                .withRequestBodyOn("/api/v1/query", "/prometheus/api/v1/query")
                .maxRequestBytes(64)
                .checkTimeout(Duration.ofMillis(300)));
    }

    private EnvoyStandIn standIn(EnvoyStandIn.Builder builder) throws IOException {
        return builder.start();
    }

    @AfterEach
    void stop() {
        envoy.close();
        upstream.stop(0);
        channel.shutdownNow();
        grpcServer.shutdownNow();
    }

    @Test
    void checkRequestCarriesRawPathPseudoHeadersAndPeer() throws Exception {
        send(HttpRequest.newBuilder(uri("/api/v1/query?query=up&x=%2F&x=2"))
                .header("X-Multi", "a").header("X-Multi", "b").header("Authorization", "Bearer t").GET());
        var http = envoy.lastCheck().request().getAttributes().getRequest().getHttp();
        assertEquals("/api/v1/query?query=up&x=%2F&x=2", http.getPath());
        assertEquals("GET", http.getMethod());
        assertEquals("http", http.getScheme());
        assertEquals("HTTP/1.1", http.getProtocol());
        assertEquals(envoy.baseUri().getAuthority(), http.getHost());
        assertFalse(http.getId().isEmpty());
        Map<String, String> h = http.getHeadersMap();
        assertEquals("/api/v1/query?query=up&x=%2F&x=2", h.get(":path"));
        assertEquals("GET", h.get(":method"));
        assertEquals(envoy.baseUri().getAuthority(), h.get(":authority"));
        assertEquals("http", h.get(":scheme"));
        assertFalse(h.containsKey("host"), "Envoy carries Host as :authority");
        assertEquals("a,b", h.get("x-multi"));
        assertEquals("Bearer t", h.get("authorization"));
        assertTrue(h.containsKey("x-request-id"));
        assertEquals("127.0.0.1", envoy.lastCheck().request().getAttributes().getSource().getAddress()
                .getSocketAddress().getAddress());
        assertTrue(http.getRawBody().isEmpty());
        assertFalse(h.containsKey("x-envoy-auth-partial-body"));
    }

    @Test
    void pathHeaderReplacesPathAndQueryKeepingRepeatedKeys() throws Exception {
        String rewritten = "/api/v1/query?query=up&extra_label=team%3Ddev&extra_label=env%3Dprod";
        authzAnswer = r -> allow(OkHttpResponse.newBuilder()
                .addHeaders(option(":path", rewritten, HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD)).build());
        JsonNode echo = echo(send(HttpRequest.newBuilder(uri("/api/v1/query?query=up&extra_label=team%3Dprod")).GET()));
        assertEquals(rewritten, echo.get("target").asText());
    }

    @Test
    void queryParameterMutationsFollowHeadersAndKeepOneValuePerKeySorted() throws Exception {
        authzAnswer = r -> allow(OkHttpResponse.newBuilder()
                .addHeaders(option(":path", "/p?b=2&a=1&a=3&c=x", HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD))
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
        assertTrue(echo.get("headers").has("host"));
        assertEquals("/api/v1/labels?x=1", envoy.lastForwarded().path());
        assertNull(envoy.lastForwarded().headers().first("authorization"));
    }

    /** Envoy's append rules end to end, client sends {@code x-a: 1}; "-" means the header must be absent. */
    @ParameterizedTest(name = "{0} append={1} on {2} -> {3}")
    @CsvSource(delimiter = ';', value = {
        "APPEND_IF_EXISTS_OR_ADD; ; x-a; 1|2",
        "APPEND_IF_EXISTS_OR_ADD; ; x-b; 2",
        "ADD_IF_ABSENT; ; x-a; 1",
        "ADD_IF_ABSENT; ; x-b; 2",
        "OVERWRITE_IF_EXISTS_OR_ADD; ; x-a; 2",
        "OVERWRITE_IF_EXISTS_OR_ADD; ; x-b; 2",
        "OVERWRITE_IF_EXISTS; ; x-a; 2",
        "OVERWRITE_IF_EXISTS; ; x-b; -",
        "APPEND_IF_EXISTS_OR_ADD; true; x-a; '1,2'",
        "APPEND_IF_EXISTS_OR_ADD; true; x-b; -",
        "APPEND_IF_EXISTS_OR_ADD; false; x-a; 2",
        "ADD_IF_ABSENT; false; x-a; 2",
        "OVERWRITE_IF_EXISTS; false; x-b; 2",
    })
    void okResponseHeadersFollowEnvoyAppendRules(HeaderAppendAction action, Boolean append, String name,
                                                 String expected) throws Exception {
        HeaderValueOption.Builder option = option(name, "2", action).toBuilder();
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
            assertEquals(List.of(expected.split("\\|")), values);
        }
    }

    @Test
    void responseHeadersToAddLandOnTheUpstreamResponse() throws Exception {
        authzAnswer = r -> allow(OkHttpResponse.newBuilder()
                .addResponseHeadersToAdd(option("x-upstream", "overwritten", HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD))
                .addResponseHeadersToAdd(option("x-extra", "e", HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD)).build());
        HttpResponse<String> r = send(HttpRequest.newBuilder(uri("/x")).GET());
        assertEquals(List.of("overwritten"), r.headers().allValues("x-upstream"));
        assertEquals(List.of("e"), r.headers().allValues("x-extra"));
    }

    @Test
    void deniedResponseIsSentAsIsAndNeverForwarded() throws Exception {
        authzAnswer = r -> CheckResponse.newBuilder()
                .setStatus(Status.newBuilder().setCode(Code.UNAUTHENTICATED_VALUE))
                .setDeniedResponse(DeniedHttpResponse.newBuilder()
                        .setStatus(HttpStatus.newBuilder().setCode(StatusCode.Unauthorized))
                        .addHeaders(option("www-authenticate", "Bearer error=\"invalid_token\"",
                                HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD))
                        .addHeaders(option("content-type", "application/json", HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD))
                        .setBody("{\"status\":\"error\"}")).build();
        HttpResponse<String> r = send(HttpRequest.newBuilder(uri("/api/v1/query?query=up")).GET());
        assertEquals(401, r.statusCode());
        assertEquals("Bearer error=\"invalid_token\"", r.headers().firstValue("www-authenticate").orElseThrow());
        assertEquals("application/json", r.headers().firstValue("content-type").orElseThrow());
        assertEquals("{\"status\":\"error\"}", r.body());
        assertEquals(0, upstreamHits.get());
    }

    @Test
    void deniedWithoutHttpStatusIs403() throws Exception {
        authzAnswer = r -> CheckResponse.newBuilder().setStatus(Status.newBuilder().setCode(Code.PERMISSION_DENIED_VALUE))
                .build();
        HttpResponse<String> r = send(HttpRequest.newBuilder(uri("/x")).GET());
        assertEquals(403, r.statusCode());
        assertEquals(0, upstreamHits.get());
    }

    @Test
    void failedCheckRpcIs403BecauseFailureModeAllowIsOff() throws Exception {
        authzFails = true;
        assertEquals(403, send(HttpRequest.newBuilder(uri("/x")).GET()).statusCode());
        assertEquals(io.grpc.Status.Code.UNAVAILABLE, envoy.lastCheck().error().getStatus().getCode());
        assertEquals(0, upstreamHits.get());
    }

    @Test
    void checkTimeoutIs403() throws Exception {
        authzHangs = true;
        assertEquals(403, send(HttpRequest.newBuilder(uri("/x")).GET()).statusCode());
        assertEquals(io.grpc.Status.Code.DEADLINE_EXCEEDED, envoy.lastCheck().error().getStatus().getCode());
        assertEquals(0, upstreamHits.get());
    }

    @Test
    void bodyGoesToAuthzOnlyOnConfiguredPrefixesAndAlwaysUpstream() throws Exception {
        JsonNode read = echo(send(HttpRequest.newBuilder(uri("/api/v1/query"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("query=up"))));
        var http = envoy.lastCheck().request().getAttributes().getRequest().getHttp();
        assertEquals("query=up", http.getRawBody().toStringUtf8());
        assertTrue(http.getBody().isEmpty(), "pack_as_bytes puts the body in raw_body only");
        assertEquals("false", http.getHeadersMap().get("x-envoy-auth-partial-body"));
        assertEquals(8, http.getSize());
        assertEquals("query=up", read.get("body").asText());

        JsonNode write = echo(send(HttpRequest.newBuilder(uri("/api/v1/import/prometheus"))
                .POST(HttpRequest.BodyPublishers.ofString("m 1\n"))));
        http = envoy.lastCheck().request().getAttributes().getRequest().getHttp();
        assertTrue(http.getRawBody().isEmpty());
        assertFalse(http.getHeadersMap().containsKey("x-envoy-auth-partial-body"));
        assertEquals("m 1\n", write.get("body").asText());
    }

    @Test
    void oversizedBodyIs413UnlessPartialMessagesAreAllowed() throws Exception {
        String big = "query=" + "x".repeat(100);
        assertEquals(413, send(HttpRequest.newBuilder(uri("/api/v1/query"))
                .POST(HttpRequest.BodyPublishers.ofString(big))).statusCode());
        assertEquals(0, upstreamHits.get());

        envoy.close();
        envoy = EnvoyStandIn.builder(channel, URI.create("http://127.0.0.1:" + upstream.getAddress().getPort()))
                .withRequestBodyOn("/api/v1/query").maxRequestBytes(64).allowPartialMessage(true).start();
        JsonNode echo = echo(send(HttpRequest.newBuilder(uri("/api/v1/query"))
                .POST(HttpRequest.BodyPublishers.ofString(big))));
        var http = envoy.lastCheck().request().getAttributes().getRequest().getHttp();
        assertEquals(big.substring(0, 64), http.getRawBody().toStringUtf8());
        assertEquals("true", http.getHeadersMap().get("x-envoy-auth-partial-body"));
        assertEquals(big, echo.get("body").asText());
    }

    @Test
    void clientCannotSpoofPartialBodyHeader() throws Exception {
        send(HttpRequest.newBuilder(uri("/x")).header("x-envoy-auth-partial-body", "false").GET());
        assertNull(envoy.lastCheck().request().getAttributes().getRequest().getHttp().getHeadersMap()
                .get("x-envoy-auth-partial-body"));
    }

    @Test
    void dynamicMetadataOfTheLastCheckIsKept() throws Exception {
        Struct metadata = Struct.newBuilder().putFields("tenant", Value.newBuilder().setStringValue("0:0").build()).build();
        authzAnswer = r -> allow(OkHttpResponse.getDefaultInstance()).toBuilder().setDynamicMetadata(metadata).build();
        send(HttpRequest.newBuilder(uri("/x")).GET());
        assertEquals(metadata, envoy.lastCheck().response().getDynamicMetadata());
    }

    @Test
    void rawOddPathsReachAuthzUnchanged() throws Exception {
        for (String target : List.of("//api/v1/query?query=up", "/api/v1/../v1/query", "/api/v1/query%2F")) {
            send(HttpRequest.newBuilder(uri(target)).GET());
            assertEquals(target, envoy.lastCheck().request().getAttributes().getRequest().getHttp().getPath());
        }
    }

    @Test
    void http2DownstreamShowsNoContentLengthButForwardsTheBody() throws Exception {
        envoy.close();
        envoy = EnvoyStandIn.builder(channel, URI.create("http://127.0.0.1:" + upstream.getAddress().getPort()))
                .downstreamHttp2().start();
        JsonNode echo = echo(send(HttpRequest.newBuilder(uri("/api/v1/query"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("query=up"))));
        var http = envoy.lastCheck().request().getAttributes().getRequest().getHttp();
        assertFalse(http.getHeadersMap().containsKey("content-length"));
        assertFalse(http.getHeadersMap().containsKey("transfer-encoding"));
        assertEquals("HTTP/2", http.getProtocol());
        assertTrue(http.getRawBody().isEmpty());
        assertEquals("query=up", echo.get("body").asText());
    }

    @Test
    void headerBytesOutsideAsciiReachAuthzAsUtf8AndUpstreamUnchanged() throws Exception {
        byte[] nbsp = "application/x-www-form-urlencoded\u00a0".getBytes(StandardCharsets.UTF_8);
        RawHttp.Response r = RawHttp.send(envoy.baseUri(), "POST", "/api/v1/series",
                List.of(new RawHttp.Header("Content-Type", nbsp), RawHttp.Header.utf8("Content-Type", "text/plain")),
                "a=1".getBytes(StandardCharsets.US_ASCII));
        assertEquals(200, r.status(), r.text());
        var http = envoy.lastCheck().request().getAttributes().getRequest().getHttp();
        assertEquals("application/x-www-form-urlencoded\u00a0,text/plain", http.getHeadersMap().get("content-type"));
        JsonNode echo = JSON.readTree(r.body());
        // The echo upstream (Java's HttpServer) reads bytes as ISO-8859-1: C2 A0 arrive as "\u00c2\u00a0".
        assertEquals(List.of("application/x-www-form-urlencoded\u00c2\u00a0", "text/plain"),
                JSON.convertValue(echo.get("headers").get("content-type"), List.class));
        assertEquals("a=1", echo.get("body").asText());
    }

    private static CheckResponse allow(OkHttpResponse ok) {
        return CheckResponse.newBuilder().setStatus(Status.newBuilder().setCode(Code.OK_VALUE)).setOkResponse(ok).build();
    }

    private static HeaderValueOption option(String name, String value, HeaderAppendAction action) {
        return HeaderValueOption.newBuilder().setHeader(HeaderValue.newBuilder().setKey(name).setValue(value))
                .setAppendAction(action).build();
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

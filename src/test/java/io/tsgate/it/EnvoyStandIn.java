package io.tsgate.it;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.envoyproxy.envoy.service.auth.v3.DeniedHttpResponse;
import io.envoyproxy.envoy.service.auth.v3.OkHttpResponse;
import io.grpc.Channel;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Stands in for Envoy in tests: HTTP connection manager + {@code envoy.filters.http.ext_authz} (gRPC, transport V3,
 * {@code failure_mode_allow: false}, {@code clear_route_cache: true}, {@code with_request_body} with
 * {@code pack_as_bytes: true} on configured path prefixes) + a router to one upstream. It builds the
 * {@link CheckRequest} as Envoy fills it and applies the {@link CheckResponse} as Envoy does (see
 * {@link HeaderMutations}, {@link QueryMutations}); the last check is kept for assertions on dynamic metadata.
 *
 * <p>Header values travel as bytes, as through Envoy: the listener reads them as ISO-8859-1, the check request
 * carries them as the UTF-8 text tsgate's protobuf decoding makes of those bytes (invalid UTF-8 becomes U+FFFD, where
 * real tsgate would fail to parse the check and Envoy answer 403), and a request with bytes outside ASCII is
 * forwarded through {@link RawHttp}, since {@code java.net.http} would replace them. {@link Builder#downstreamHttp2}
 * shows ext_authz a request as an HTTP/2 client may send it: without Content-Length (and HTTP/2 has no
 * Transfer-Encoding), the body still forwarded upstream.
 *
 * <p>Deliberate simplifications: HTTP/1.1 only; one route, so clearing the route cache changes nothing; the
 * upstream sees its own address as Host (Java's HttpClient will not forward the client's Host); Envoy's path
 * normalisation options stay off (the HCM default), so the raw request target reaches tsgate.
 *
 * <p>With {@link Builder#extProc} the {@link ExtProcStandIn} filter runs after ext_authz, as in envoy/*.yaml.
 */
public final class EnvoyStandIn implements AutoCloseable {

    /** One ext_authz round trip: what was sent and what came back (response null when the RPC failed). */
    public record Check(CheckRequest request, CheckResponse response, StatusRuntimeException error) {
    }

    /** What the router sent upstream after the ext_authz mutations: method, final path, headers. */
    public record Forwarded(String method, String path, HeaderList headers) {
    }

    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-connection",
            "transfer-encoding", "te", "trailer", "upgrade", "proxy-authenticate", "proxy-authorization");
    /** Headers java.net.http refuses to send or computes itself. */
    private static final Set<String> CLIENT_MANAGED = Set.of("host", "content-length", "expect", "connection",
            "upgrade", "date", "via", "warning");

    private final HttpServer server;
    private final ExecutorService executor;
    private final AuthorizationGrpc.AuthorizationBlockingStub authz;
    private final URI upstream;
    private final List<String> bodyPrefixes;
    private final int maxRequestBytes;
    private final boolean allowPartialMessage;
    private final Duration checkTimeout;
    private final ExtProcStandIn extProc;
    private final boolean downstreamHttp2;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(5)).build();
    private final AtomicLong streamIds = new AtomicLong(1000);
    private final AtomicReference<Check> lastCheck = new AtomicReference<>();
    private final AtomicReference<Forwarded> lastForwarded = new AtomicReference<>();

    private EnvoyStandIn(Builder b) throws IOException {
        this.authz = AuthorizationGrpc.newBlockingStub(b.channel);
        this.upstream = b.upstream;
        this.bodyPrefixes = List.copyOf(b.bodyPrefixes);
        this.maxRequestBytes = b.maxRequestBytes;
        this.allowPartialMessage = b.allowPartialMessage;
        this.checkTimeout = b.checkTimeout;
        this.extProc = b.extProc;
        this.downstreamHttp2 = b.downstreamHttp2;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        this.executor = Executors.newFixedThreadPool(8);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /**
     * @param authzChannel channel to the ext_authz gRPC server (tsgate, or an in-process fake)
     * @param upstream     base URI of the upstream cluster, e.g. VictoriaMetrics
     */
    public static Builder builder(Channel authzChannel, URI upstream) {
        return new Builder(authzChannel, upstream);
    }

    /** {@code http://127.0.0.1:<port>} of the listener. */
    public URI baseUri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** The last ext_authz round trip, or null before the first request. */
    public Check lastCheck() {
        return lastCheck.get();
    }

    /** The last request forwarded upstream, or null when none was. */
    public Forwarded lastForwarded() {
        return lastForwarded.get();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            // URI.toString() returns the request target exactly as received ("//a", "/a/../b" and %2F survive).
            String target = exchange.getRequestURI().toString();
            HeaderList headers = downstreamHeaders(exchange, target);
            boolean buffer = body.length > 0 && bodyPrefixes.stream().anyMatch(p -> pathOnly(target).startsWith(p));
            if (buffer && body.length > maxRequestBytes && !allowPartialMessage) {
                reply(exchange, 413, new HeaderList(), "Payload Too Large".getBytes(StandardCharsets.UTF_8));
                return;
            }
            CheckRequest check = checkRequest(exchange, headers, body, buffer);
            CheckResponse response;
            try {
                response = authz.withDeadlineAfter(checkTimeout.toMillis(), TimeUnit.MILLISECONDS).check(check);
            } catch (StatusRuntimeException e) {
                lastCheck.set(new Check(check, null, e));
                // failure_mode_allow: false and status_on_error unset: 403, empty body.
                reply(exchange, 403, new HeaderList(), new byte[0]);
                return;
            }
            lastCheck.set(new Check(check, response, null));
            if (response.getStatus().getCode() != 0) {
                deny(exchange, response);
                return;
            }
            forward(exchange, headers, body, response);
        } catch (RuntimeException e) {
            reply(exchange, 500, new HeaderList(), ("stand-in error: " + e).getBytes(StandardCharsets.UTF_8));
        }
    }

    private HeaderList downstreamHeaders(HttpExchange exchange, String target) {
        HeaderList headers = new HeaderList();
        // The HTTP/1 codec and HCM put the pseudo-headers first; Host becomes :authority.
        String host = exchange.getRequestHeaders().getFirst("Host");
        headers.add(":authority", host == null ? "" : host);
        headers.add(":path", target);
        headers.add(":method", exchange.getRequestMethod());
        headers.add(":scheme", "http");
        exchange.getRequestHeaders().forEach((name, values) -> {
            if (!name.equalsIgnoreCase("host")) {
                values.forEach(v -> headers.add(name, v));
            }
        });
        // HCM defaults: a request id when the client sent none, and x-forwarded-proto.
        if (!headers.contains("x-request-id")) {
            headers.add("x-request-id", UUID.randomUUID().toString());
        }
        headers.set("x-forwarded-proto", "http");
        return headers;
    }

    private CheckRequest checkRequest(HttpExchange exchange, HeaderList headers, byte[] body, boolean buffer) {
        AttributeContext.HttpRequest.Builder http = AttributeContext.HttpRequest.newBuilder()
                .setId(Long.toString(streamIds.incrementAndGet()))
                .setMethod(headers.first(":method"))
                .setPath(headers.first(":path"))
                .setHost(headers.first(":authority"))
                .setScheme(headers.first(":scheme"))
                .setProtocol(downstreamHttp2 ? "HTTP/2" : "HTTP/1.1")
                // StreamInfo.bytesReceived() at check time: the whole body when it was buffered, else nothing yet.
                .setSize(buffer ? body.length : 0);
        // Envoy's map: every header incl. pseudo-headers, repeated ones joined with ",", client's
        // x-envoy-auth-partial-body dropped.
        for (Map.Entry<String, String> e : headers.entries()) {
            if (e.getKey().equals("x-envoy-auth-partial-body")
                    || downstreamHttp2 && (e.getKey().equals("content-length") || e.getKey().equals("transfer-encoding"))) {
                continue;
            }
            String value = asTsgateReadsIt(e.getValue());
            String prior = http.getHeadersMap().get(e.getKey());
            http.putHeaders(e.getKey(), prior == null ? value : prior + "," + value);
        }
        if (buffer) {
            int length = Math.min(body.length, maxRequestBytes);
            http.setRawBody(ByteString.copyFrom(body, 0, length));
            http.putHeaders("x-envoy-auth-partial-body", length != body.length ? "true" : "false");
        }
        Instant now = Instant.now();
        return CheckRequest.newBuilder().setAttributes(AttributeContext.newBuilder()
                .setSource(peer(exchange.getRemoteAddress()))
                .setDestination(peer(exchange.getLocalAddress()))
                .setRequest(AttributeContext.Request.newBuilder()
                        .setTime(Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()))
                        .setHttp(http))).build();
    }

    /** The listener's ISO-8859-1 view of header bytes → the text tsgate decodes from those bytes (UTF-8). */
    private static String asTsgateReadsIt(String wireValue) {
        return isAscii(wireValue) ? wireValue
                : new String(wireValue.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
    }

    private static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) > 0x7E) {
                return false;
            }
        }
        return true;
    }

    private static AttributeContext.Peer peer(InetSocketAddress address) {
        return AttributeContext.Peer.newBuilder().setAddress(Address.newBuilder().setSocketAddress(
                SocketAddress.newBuilder().setAddress(address.getAddress().getHostAddress())
                        .setPortValue(address.getPort()))).build();
    }

    private void deny(HttpExchange exchange, CheckResponse response) throws IOException {
        DeniedHttpResponse denied = response.getDeniedResponse();
        int status = denied.getStatus().getCodeValue() > 0 ? denied.getStatus().getCodeValue() : 403;
        HeaderList out = new HeaderList();
        HeaderMutations.apply(out, denied.getHeadersList(), HeaderMutations.Side.DOWNSTREAM_RESPONSE);
        byte[] body = denied.getBody().getBytes(StandardCharsets.UTF_8);
        // Envoy's local reply sets text/plain when there is a body and no content type.
        if (body.length > 0 && !out.contains("content-type")) {
            out.set("content-type", "text/plain");
        }
        reply(exchange, status, out, body);
    }

    private void forward(HttpExchange exchange, HeaderList headers, byte[] body, CheckResponse check)
            throws IOException {
        OkHttpResponse ok = check.getOkResponse();
        HeaderMutations.apply(headers, ok.getHeadersList(), HeaderMutations.Side.UPSTREAM_REQUEST);
        for (String name : ok.getHeadersToRemoveList()) {
            if (HeaderMutations.isRemovable(name)) {
                headers.remove(name);
            }
        }
        String path = QueryMutations.apply(headers.first(":path"), ok.getQueryParametersToSetList(),
                ok.getQueryParametersToRemoveList());
        if (extProc != null) {
            // The next filter: ext_proc sees the request as ext_authz left it, and ext_authz's dynamic metadata,
            // which Envoy emits under the filter's name.
            headers.set(":path", path);
            ExtProcStandIn.Outcome outcome = extProc.process(headers, body,
                    Map.of("envoy.filters.http.ext_authz", check.getDynamicMetadata()));
            if (outcome instanceof ExtProcStandIn.LocalReply local) {
                reply(exchange, local.status(), local.headers(), local.body());
                return;
            }
            path = headers.first(":path");
        }
        if (headers.entries().stream().anyMatch(e -> !isAscii(e.getValue()))) {
            forwardRaw(exchange, headers, body, path, ok);
            return;
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(upstream + path))
                .method(headers.first(":method"), body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body))
                .timeout(Duration.ofSeconds(30));
        for (Map.Entry<String, String> e : headers.entries()) {
            String name = e.getKey();
            if (!name.startsWith(":") && !HOP_BY_HOP.contains(name) && !CLIENT_MANAGED.contains(name)) {
                request.header(name, e.getValue());
            }
        }
        lastForwarded.set(new Forwarded(headers.first(":method"), path, headers));
        HttpResponse<byte[]> upstreamResponse;
        try {
            upstreamResponse = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            reply(exchange, 503, new HeaderList(), ("upstream connect error: " + e).getBytes(StandardCharsets.UTF_8));
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        HeaderList out = new HeaderList();
        upstreamResponse.headers().map().forEach((name, values) -> {
            String key = name.toLowerCase(java.util.Locale.ROOT);
            if (!key.startsWith(":") && !HOP_BY_HOP.contains(key) && !key.equals("content-length")) {
                values.forEach(v -> out.add(key, v));
            }
        });
        HeaderMutations.apply(out, ok.getResponseHeadersToAddList(), HeaderMutations.Side.DOWNSTREAM_RESPONSE);
        reply(exchange, upstreamResponse.statusCode(), out, upstreamResponse.body());
    }

    /** The router's forward for header bytes {@code java.net.http} cannot send: the same headers, byte for byte. */
    private void forwardRaw(HttpExchange exchange, HeaderList headers, byte[] body, String path, OkHttpResponse ok)
            throws IOException {
        List<RawHttp.Header> out = new ArrayList<>();
        for (Map.Entry<String, String> e : headers.entries()) {
            String name = e.getKey();
            if (!name.startsWith(":") && !HOP_BY_HOP.contains(name) && !CLIENT_MANAGED.contains(name)) {
                out.add(RawHttp.Header.latin1(name, e.getValue()));
            }
        }
        lastForwarded.set(new Forwarded(headers.first(":method"), path, headers));
        RawHttp.Response r;
        try {
            r = RawHttp.send(upstream, headers.first(":method"), path, out, body.length == 0 ? null : body);
        } catch (IOException e) {
            reply(exchange, 503, new HeaderList(), ("upstream connect error: " + e).getBytes(StandardCharsets.UTF_8));
            return;
        }
        HeaderList back = new HeaderList();
        for (Map.Entry<String, String> e : r.headers().entries()) {
            if (!HOP_BY_HOP.contains(e.getKey()) && !e.getKey().equals("content-length")) {
                back.add(e.getKey(), e.getValue());
            }
        }
        HeaderMutations.apply(back, ok.getResponseHeadersToAddList(), HeaderMutations.Side.DOWNSTREAM_RESPONSE);
        reply(exchange, r.status(), back, r.body());
    }

    private static void reply(HttpExchange exchange, int status, HeaderList headers, byte[] body) throws IOException {
        for (Map.Entry<String, String> e : headers.entries()) {
            if (!e.getKey().equals("content-length") && !e.getKey().equals("date")) {
                exchange.getResponseHeaders().add(e.getKey(), e.getValue());
            }
        }
        boolean noBody = body.length == 0 || exchange.getRequestMethod().equals("HEAD") || status == 204
                || status == 304;
        exchange.sendResponseHeaders(status, noBody ? -1 : body.length);
        if (!noBody) {
            try (OutputStream os = exchange.getResponseBody()) {
                os.write(body);
            }
        }
    }

    private static String pathOnly(String target) {
        int q = target.indexOf('?');
        return q < 0 ? target : target.substring(0, q);
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    /** Filter settings mirroring envoy/*.yaml. */
    public static final class Builder {
        private final Channel channel;
        private final URI upstream;
        private List<String> bodyPrefixes = List.of();
        private int maxRequestBytes = 65536;
        private boolean allowPartialMessage = false;
        private Duration checkTimeout = Duration.ofSeconds(2);
        private ExtProcStandIn extProc;
        private boolean downstreamHttp2;

        private Builder(Channel channel, URI upstream) {
            this.channel = channel;
            this.upstream = URI.create(upstream.toString().replaceAll("/+$", ""));
        }

        /** Path prefixes whose requests get {@code with_request_body} (the read endpoints). */
        public Builder withRequestBodyOn(String... prefixes) {
            this.bodyPrefixes = List.of(prefixes);
            return this;
        }

        public Builder maxRequestBytes(int bytes) {
            this.maxRequestBytes = bytes;
            return this;
        }

        public Builder allowPartialMessage(boolean allow) {
            this.allowPartialMessage = allow;
            return this;
        }

        /** The ext_authz gRPC timeout (Envoy's default is 200ms; tests default to 2s to tolerate slow CI). */
        public Builder checkTimeout(Duration timeout) {
            this.checkTimeout = timeout;
            return this;
        }

        /**
         * Requests reach ext_authz as from an HTTP/2 client that sent no Content-Length: the header is not in the
         * check request (HTTP/2 has no Transfer-Encoding either), {@code protocol} is HTTP/2; the body still goes
         * upstream.
         */
        public Builder downstreamHttp2() {
            this.downstreamHttp2 = true;
            return this;
        }

        /** Adds the ext_proc filter after ext_authz (envoy/*.yaml). */
        public Builder extProc(ExtProcStandIn filter) {
            this.extProc = filter;
            return this;
        }

        public EnvoyStandIn start() throws IOException {
            return new EnvoyStandIn(this);
        }
    }
}

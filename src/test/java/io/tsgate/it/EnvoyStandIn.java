package io.tsgate.it;

import com.google.protobuf.ByteString;
import com.google.protobuf.Struct;
import com.google.protobuf.Timestamp;
import com.google.protobuf.Value;
import com.google.protobuf.util.Durations;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.ExtAuthz;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager.PathWithEscapedSlashesAction;
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
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Stands in for Envoy running one of the shipped configs ({@link EnvoyConfig}: envoy/*.yaml, examples/envoy/*.yaml):
 * the HTTP connection manager, its route table ({@link RouteTable}), the ext_authz filter, the ext_proc filter
 * ({@link ExtProcStandIn}) when the chain has one, and the router. Read in Envoy v1.34.0's source (commit d7809ba2b0):
 * <ul>
 *   <li>Codec and HCM ({@code source/common/http/http1/codec_impl.cc}, {@code conn_manager_utility.cc}): a request
 *       with both Transfer-Encoding and Content-Length is 400, a transfer coding other than chunked 501; before any
 *       filter the HCM removes {@code transfer-encoding}, {@code connection}, {@code upgrade}, {@code keep-alive},
 *       {@code proxy-connection}, {@code x-envoy-internal} and a {@code te} other than "trailers", appends the peer to
 *       {@code x-forwarded-for} ({@code use_remote_address}), sets {@code x-forwarded-proto} and a fresh
 *       {@code x-request-id}. A fragment is 400; {@code path_with_escaped_slashes_action: REJECT_REQUEST} makes
 *       %2F/%5C in the path 400; {@code normalize_path} removes dot segments; {@code merge_slashes} merges.</li>
 *   <li>ext_authz ({@code source/extensions/filters/http/ext_authz/ext_authz.cc}): per-route settings from the route
 *       matched on the normalized client path; no route or {@code disabled} skips the check. The body is buffered
 *       when {@code with_request_body} is set at filter or route level; the route's overrides
 *       {@code max_request_bytes} and {@code allow_partial_message}, but {@code pack_as_bytes} is read from the
 *       filter's config only: with it off the body goes in {@code body} with invalid UTF-8 bytes replaced
 *       ({@link EnvoyUtf8}). A failed Check is {@code status_on_error} (403 when unset). An allow applies the header
 *       mutations ({@link HeaderMutations}), then query mutations ({@link QueryMutations}), and with
 *       {@code clear_route_cache} and any mutation the route is picked again from the new path and headers — that
 *       route's ext_proc settings and cluster apply.</li>
 *   <li>Router: direct responses, one cluster per route, {@code hash_policy} by header (stickiness is modelled, not
 *       Envoy's ring positions) and {@code request_mirror_policies} (a copy to the mirror cluster, Host
 *       {@code -shadow}, not awaited).</li>
 * </ul>
 * Simplifications: HTTP/1.1; request trailers only through {@link #send}; the upstream sees its own address as Host;
 * {@code normalize_path} is modelled for paths whose canonical form is plain dot-segment removal, and the stand-in
 * refuses (throws on) paths where googleurl would also re-escape or unescape characters.
 */
public final class EnvoyStandIn implements AutoCloseable {

    /** One ext_authz round trip: what was sent and what came back (response null when the RPC failed). */
    public record Check(CheckRequest request, CheckResponse response, StatusRuntimeException error) {
    }

    /** What the router sent upstream (or to a mirror): method, final path, headers, route and cluster. */
    public record Forwarded(String method, String path, HeaderList headers, String route, String cluster,
                            URI endpoint, byte[] body) {
    }

    /** A request as the client sends it; {@code trailers} null for none. */
    public record Downstream(String method, String target, HeaderList headers, byte[] body, HeaderList trailers) {
        public static Downstream of(String method, String target, byte[] body, String... headerPairs) {
            HeaderList h = new HeaderList();
            for (int i = 0; i < headerPairs.length; i += 2) {
                h.add(headerPairs[i], headerPairs[i + 1]);
            }
            return new Downstream(method, target, h, body, null);
        }

        public Downstream withTrailers(String... pairs) {
            HeaderList t = new HeaderList();
            for (int i = 0; i < pairs.length; i += 2) {
                t.add(pairs[i], pairs[i + 1]);
            }
            return new Downstream(method, target, headers, body, t);
        }
    }

    /** What the client gets. */
    public record Response(int status, HeaderList headers, byte[] body) {
        public String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-connection",
            "transfer-encoding", "te", "trailer", "upgrade", "proxy-authenticate", "proxy-authorization");
    /** Headers java.net.http refuses to send or computes itself. */
    private static final Set<String> CLIENT_MANAGED = Set.of("host", "content-length", "expect", "connection",
            "upgrade", "date", "via", "warning");
    private static final String PEER = "127.0.0.1";

    private final EnvoyConfig config;
    private final RouteTable routes;
    private final ExtAuthz authzConfig;
    private final AuthorizationGrpc.AuthorizationBlockingStub authz;
    private final ExtProcStandIn extProc;
    private final Map<String, List<URI>> clusters;
    private final Duration checkTimeout;
    private final HttpServer server;
    private final ExecutorService executor;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(5)).build();
    private final AtomicLong streamIds = new AtomicLong(1000);
    private final AtomicReference<Check> lastCheck = new AtomicReference<>();
    private final AtomicReference<Forwarded> lastForwarded = new AtomicReference<>();
    private final List<Forwarded> mirrored = new CopyOnWriteArrayList<>();

    private EnvoyStandIn(Builder b) throws IOException {
        this.config = b.config;
        this.routes = config.routes();
        this.authzConfig = config.extAuthz();
        this.authz = AuthorizationGrpc.newBlockingStub(b.grpc(authzConfig.getGrpcService().getEnvoyGrpc().getClusterName()));
        var extProcConfig = config.extProc();
        this.extProc = extProcConfig == null ? null : new ExtProcStandIn(b.extProcChannel != null ? b.extProcChannel
                : b.grpc(extProcConfig.getGrpcService().getEnvoyGrpc().getClusterName()),
                b.extProcSettings.apply(ExtProcStandIn.Settings.of(extProcConfig, config.bufferLimitBytes(), b.release)));
        this.clusters = Map.copyOf(b.clusters);
        this.checkTimeout = b.checkTimeout != null ? b.checkTimeout
                : Duration.ofMillis(Durations.toMillis(authzConfig.getGrpcService().getTimeout()));
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        this.executor = Executors.newFixedThreadPool(8);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /** A stand-in for Envoy running {@code config}. */
    public static Builder builder(EnvoyConfig config) {
        return new Builder(config);
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

    /** Every copy sent to a mirror cluster so far (sent after the response, so wait for it). */
    public List<Forwarded> mirrored() {
        return List.copyOf(mirrored);
    }

    /** The ext_proc filter, or null when the config has none. */
    public ExtProcStandIn extProc() {
        return extProc;
    }

    /** Runs one request through the chain, as the listener does; the way to send trailers. */
    public Response send(Downstream request) {
        try {
            return exchange(request);
        } catch (HeaderMutations.Rejected e) {
            return new Response(500, new HeaderList(), new byte[0]);
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            HeaderList headers = new HeaderList();
            exchange.getRequestHeaders().forEach((name, values) -> values.forEach(v -> headers.add(name, v)));
            // URI.toString() returns the request target exactly as received ("//a", "/a/../b" and %2F survive).
            Downstream d = new Downstream(exchange.getRequestMethod(), exchange.getRequestURI().toString(), headers,
                    exchange.getRequestBody().readAllBytes(), null);
            Response r;
            try {
                r = send(d);
            } catch (RuntimeException e) {
                r = new Response(500, new HeaderList(), ("stand-in error: " + e).getBytes(StandardCharsets.UTF_8));
            }
            reply(exchange, r);
        }
    }

    private Response exchange(Downstream d) throws HeaderMutations.Rejected {
        String te = d.headers().first("transfer-encoding");
        if (te != null && d.headers().contains("content-length")) {
            return local(400, "Bad Request");
        }
        if (te != null && !te.equalsIgnoreCase("chunked")) {
            return local(501, "Not Implemented");
        }
        HeaderList headers = requestHeaders(d);
        String path = normalizedPath(d.target());
        if (path == null) {
            return local(400, "Bad Request");
        }
        headers.set(":path", path);
        RouteTable.Match route = routes.match(path, headers);

        Map<String, Struct> dynamicMetadata = new HashMap<>();
        OkHttpResponse ok = OkHttpResponse.getDefaultInstance();
        if (route != null && !(route.authz() != null && route.authz().getDisabled())) {
            Object authzResult = extAuthz(d, headers, route, dynamicMetadata);
            if (authzResult instanceof Response denied) {
                return denied;
            }
            ok = (OkHttpResponse) authzResult;
            if (authzConfig.getClearRouteCache() && mutates(ok)) {
                route = routes.match(headers.first(":path"), headers);
            }
        }
        byte[] body = d.body();
        if (extProc != null) {
            ExtProcStandIn.Outcome outcome = extProc.process(new ExtProcStandIn.Request(headers, body, d.trailers(),
                    dynamicMetadata, route == null ? null : route.extProc()));
            if (outcome instanceof ExtProcStandIn.LocalReply l) {
                return new Response(l.status(), l.headers(), l.body());
            }
            ExtProcStandIn.Continue c = (ExtProcStandIn.Continue) outcome;
            body = c.body();
            if (c.clearRouteCache()) {
                route = routes.match(headers.first(":path"), headers);
            }
        }
        return route(route, headers, body, ok);
    }

    /** HCM header handling before the filters; Host becomes :authority, pseudo-headers first. */
    private static HeaderList requestHeaders(Downstream d) {
        HeaderList headers = new HeaderList();
        String host = d.headers().first("host");
        headers.add(":authority", host == null ? "" : host);
        headers.add(":path", d.target());
        headers.add(":method", d.method());
        headers.add(":scheme", "http");
        for (Map.Entry<String, String> e : d.headers().entries()) {
            if (!e.getKey().equals("host")) {
                headers.add(e.getKey(), e.getValue());
            }
        }
        for (String name : List.of("connection", "upgrade", "keep-alive", "proxy-connection", "transfer-encoding",
                "x-envoy-internal")) {
            headers.remove(name);
        }
        String teHeader = headers.first("te");
        headers.remove("te");
        if (teHeader != null && teHeader.trim().equalsIgnoreCase("trailers")) {
            headers.add("te", "trailers");
        }
        String xff = headers.first("x-forwarded-for");
        headers.set("x-forwarded-for", xff == null ? PEER : xff + "," + PEER);
        headers.set("x-forwarded-proto", "http");
        headers.set("x-request-id", UUID.randomUUID().toString());
        return headers;
    }

    /** The HCM's path options; null when the request is rejected (400). */
    private String normalizedPath(String target) {
        HttpConnectionManager hcm = config.hcm();
        if (target.indexOf('#') >= 0) {
            return null; // http_reject_path_with_fragment, on by default
        }
        int q = target.indexOf('?');
        String path = q < 0 ? target : target.substring(0, q);
        String query = q < 0 ? "" : target.substring(q);
        PathWithEscapedSlashesAction action = hcm.getPathWithEscapedSlashesAction();
        String lower = path.toLowerCase(Locale.ROOT);
        boolean escapedSlash = lower.contains("%2f") || lower.contains("%5c");
        if (action == PathWithEscapedSlashesAction.REJECT_REQUEST && escapedSlash) {
            return null;
        }
        if (escapedSlash && action != PathWithEscapedSlashesAction.KEEP_UNCHANGED
                && action != PathWithEscapedSlashesAction.IMPLEMENTATION_SPECIFIC_DEFAULT) {
            throw new UnsupportedOperationException("stand-in does not model " + action);
        }
        if (hcm.getNormalizePath().getValue()) {
            path = removeDotSegments(path);
        }
        if (hcm.getMergeSlashes() && path.contains("//")) {
            String prefix = path.startsWith("/") ? "/" : "";
            String suffix = path.endsWith("/") ? "/" : "";
            path = prefix + String.join("/", java.util.Arrays.stream(path.split("/")).filter(s -> !s.isEmpty())
                    .toList()) + suffix;
        }
        return path + query;
    }

    /** RFC 3986 remove_dot_segments, for the paths where that is all googleurl's CanonicalizePath does. */
    static String removeDotSegments(String path) {
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            boolean plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || "-._~!$&'()*+,;=:@/".indexOf(c) >= 0;
            if (c == '%' && i + 2 < path.length()) {
                int v = Integer.parseInt(path.substring(i + 1, i + 3), 16);
                if (v == '.') {
                    continue; // a dot segment's spelling, handled below; elsewhere it is refused there
                }
                boolean unreserved = Character.isLetterOrDigit(v) && v < 0x80 || "-._~".indexOf(v) >= 0;
                if (!unreserved) {
                    i += 2;
                    continue; // kept as it is
                }
            }
            if (!plain) {
                throw new UnsupportedOperationException("stand-in does not model googleurl's canonical form of " + path);
            }
        }
        List<String> out = new ArrayList<>();
        String[] segments = path.split("/", -1);
        for (int i = 1; i < segments.length; i++) {
            // googleurl (url_canon_path.cc) reads "%2e" as '.' when it decides whether a segment is "." or "..".
            String s = segments[i].replaceAll("(?i)%2e", ".");
            if (s.contains(".") && !s.equals(".") && !s.equals("..") && !s.equals(segments[i])) {
                throw new UnsupportedOperationException("stand-in does not model googleurl's canonical form of " + path);
            }
            boolean last = i == segments.length - 1;
            if (s.equals(".")) {
                if (last) {
                    out.add("");
                }
            } else if (s.equals("..")) {
                if (!out.isEmpty()) {
                    out.remove(out.size() - 1);
                }
                if (last) {
                    out.add("");
                }
            } else {
                out.add(s);
            }
        }
        return "/" + String.join("/", out);
    }

    /** The Check; returns the denial to send, or the OkHttpResponse applied to {@code headers}. */
    private Object extAuthz(Downstream d, HeaderList headers, RouteTable.Match route,
                            Map<String, Struct> dynamicMetadata) throws HeaderMutations.Rejected {
        var settings = route.authz() == null ? null : route.authz().getCheckSettings();
        boolean routeBody = settings != null && settings.hasWithRequestBody();
        boolean buffer = (authzConfig.hasWithRequestBody() || routeBody)
                && !(settings != null && settings.getDisableRequestBodyBuffering())
                && (d.body().length > 0 || d.trailers() != null);
        var bodySettings = routeBody ? settings.getWithRequestBody() : authzConfig.getWithRequestBody();
        int max = bodySettings.getMaxRequestBytes();
        if (buffer && !bodySettings.getAllowPartialMessage() && d.body().length > max) {
            return local(413, "Payload Too Large");
        }
        CheckRequest check = checkRequest(headers, d.body(), buffer ? max : 0, route.contextExtensions());
        long start = System.nanoTime();
        CheckResponse response;
        try {
            response = authz.withDeadlineAfter(checkTimeout.toMillis(), TimeUnit.MILLISECONDS).check(check);
        } catch (StatusRuntimeException e) {
            lastCheck.set(new Check(check, null, e));
            if (authzConfig.getFailureModeAllow()) {
                return OkHttpResponse.getDefaultInstance();
            }
            int code = authzConfig.getStatusOnError().getCodeValue();
            return local(code >= 100 && code <= 511 ? code : 403, "");
        }
        lastCheck.set(new Check(check, response, null));
        Struct metadata = response.getOkResponse().hasDynamicMetadata() ? response.getOkResponse().getDynamicMetadata()
                : response.getDynamicMetadata();
        boolean allowed = response.getStatus().getCode() == 0;
        if (metadata.getFieldsCount() > 0) {
            Struct.Builder m = metadata.toBuilder();
            if (allowed) {
                m.putFields("ext_authz_duration", Value.newBuilder()
                        .setNumberValue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).build());
            }
            dynamicMetadata.put(EnvoyConfig.EXT_AUTHZ, m.build());
        }
        if (!allowed) {
            return denied(response);
        }
        OkHttpResponse ok = response.getOkResponse();
        boolean validate = authzConfig.getValidateMutations();
        try {
            HeaderMutations.applyAuthzRequest(headers, ok.getHeadersList(), validate);
            HeaderMutations.applyAuthzResponse(new HeaderList(), ok.getResponseHeadersToAddList(), validate);
        } catch (HeaderMutations.Rejected e) {
            return local(500, "");
        }
        for (String name : ok.getHeadersToRemoveList()) {
            if ((!validate || HeaderMutations.nameIsValid(name)) && HeaderMutations.isRemovable(name)) {
                headers.remove(name);
            }
        }
        headers.set(":path", QueryMutations.apply(headers.first(":path"), ok.getQueryParametersToSetList(),
                ok.getQueryParametersToRemoveList()));
        return ok;
    }

    private static boolean mutates(OkHttpResponse ok) {
        return ok.getHeadersCount() > 0 || ok.getHeadersToRemoveCount() > 0 || ok.getQueryParametersToSetCount() > 0
                || ok.getQueryParametersToRemoveCount() > 0;
    }

    private CheckRequest checkRequest(HeaderList headers, byte[] body, int bufferedBytes,
                                      Map<String, String> contextExtensions) {
        AttributeContext.HttpRequest.Builder http = AttributeContext.HttpRequest.newBuilder()
                .setId(Long.toString(streamIds.incrementAndGet()))
                .setMethod(EnvoyUtf8.sanitizeRaw(headers.first(":method")))
                .setPath(EnvoyUtf8.sanitizeRaw(headers.first(":path")))
                .setHost(EnvoyUtf8.sanitizeRaw(headers.first(":authority")))
                .setScheme("http")
                .setProtocol("HTTP/1.1")
                // StreamInfo.bytesReceived() at check time: the whole body when it was buffered, else nothing yet.
                .setSize(bufferedBytes > 0 ? body.length : 0);
        // Every header incl. pseudo-headers, values sanitized, repeated ones joined with ",", the client's
        // x-envoy-auth-partial-body dropped.
        for (Map.Entry<String, String> e : headers.entries()) {
            if (e.getKey().equals("x-envoy-auth-partial-body")) {
                continue;
            }
            String value = EnvoyUtf8.sanitizeRaw(e.getValue());
            String prior = http.getHeadersMap().get(e.getKey());
            http.putHeaders(e.getKey(), prior == null ? value : prior + "," + value);
        }
        if (bufferedBytes > 0) {
            int length = Math.min(body.length, bufferedBytes);
            byte[] sent = java.util.Arrays.copyOf(body, length);
            if (authzConfig.getWithRequestBody().getPackAsBytes()) {
                http.setRawBody(ByteString.copyFrom(sent));
            } else {
                http.setBody(EnvoyUtf8.sanitize(sent));
            }
            http.putHeaders("x-envoy-auth-partial-body", length != body.length ? "true" : "false");
        }
        Instant now = Instant.now();
        return CheckRequest.newBuilder().setAttributes(AttributeContext.newBuilder()
                .setSource(peer(PEER, 50000))
                .setDestination(peer(PEER, server.getAddress().getPort()))
                .putAllContextExtensions(contextExtensions)
                .setRequest(AttributeContext.Request.newBuilder()
                        .setTime(Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()))
                        .setHttp(http))).build();
    }

    private static AttributeContext.Peer peer(String address, int port) {
        return AttributeContext.Peer.newBuilder().setAddress(Address.newBuilder().setSocketAddress(
                SocketAddress.newBuilder().setAddress(address).setPortValue(port))).build();
    }

    private Response denied(CheckResponse response) throws HeaderMutations.Rejected {
        DeniedHttpResponse denied = response.getDeniedResponse();
        int status = denied.getStatus().getCodeValue() > 0 ? denied.getStatus().getCodeValue() : 403;
        HeaderList out = new HeaderList();
        try {
            HeaderMutations.applyAuthzDenied(out, denied.getHeadersList(), authzConfig.getValidateMutations());
        } catch (HeaderMutations.Rejected e) {
            return local(500, "");
        }
        byte[] body = denied.getBody().getBytes(StandardCharsets.UTF_8);
        // Envoy's local reply sets text/plain when there is a body and no content type.
        if (body.length > 0 && !out.contains("content-type")) {
            out.set("content-type", "text/plain");
        }
        return new Response(status, out, body);
    }

    private Response route(RouteTable.Match route, HeaderList headers, byte[] body, OkHttpResponse ok)
            throws HeaderMutations.Rejected {
        if (route == null) {
            return local(404, "");
        }
        if (route.isDirectResponse()) {
            return new Response(route.directStatus(), new HeaderList(),
                    route.directBody().getBytes(StandardCharsets.UTF_8));
        }
        String path = headers.first(":path");
        URI endpoint = endpoint(route.cluster(), route.hashHeader() == null ? null : headers.first(route.hashHeader()));
        Forwarded sent = new Forwarded(headers.first(":method"), path, headers, route.name(), route.cluster(), endpoint,
                body);
        lastForwarded.set(sent);
        HttpResponse<byte[]> upstream;
        try {
            upstream = http.send(upstreamRequest(sent, null), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            return local(503, "upstream connect error: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        for (String mirror : route.mirrorClusters()) {
            URI target = endpoint(mirror, null);
            Forwarded copy = new Forwarded(sent.method(), path, headers, route.name(), mirror, target, body);
            executor.execute(() -> {
                try {
                    http.send(upstreamRequest(copy, headers.first(":authority") + "-shadow"),
                            HttpResponse.BodyHandlers.discarding());
                } catch (IOException | InterruptedException e) {
                    // Envoy ignores a mirror's failure.
                }
                mirrored.add(copy);
            });
        }
        HeaderList out = new HeaderList();
        upstream.headers().map().forEach((name, values) -> {
            String key = name.toLowerCase(Locale.ROOT);
            if (!key.startsWith(":") && !HOP_BY_HOP.contains(key) && !key.equals("content-length")) {
                values.forEach(v -> out.add(key, v));
            }
        });
        HeaderMutations.applyAuthzResponse(out, ok.getResponseHeadersToAddList(), false);
        return new Response(upstream.statusCode(), out, upstream.body());
    }

    private URI endpoint(String cluster, String hashValue) {
        List<URI> endpoints = clusters.get(cluster);
        if (endpoints == null) {
            throw new IllegalStateException("no endpoint given for cluster " + cluster + " (Builder.cluster)");
        }
        int i = hashValue == null ? 0 : Math.floorMod(hashValue.hashCode(), endpoints.size());
        return endpoints.get(i);
    }

    private static HttpRequest upstreamRequest(Forwarded f, String shadowHost) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(f.endpoint() + f.path()))
                .method(f.method(), f.body().length == 0 ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(f.body()))
                .timeout(Duration.ofSeconds(30));
        for (Map.Entry<String, String> e : f.headers().entries()) {
            String name = e.getKey();
            if (!name.startsWith(":") && !HOP_BY_HOP.contains(name) && !CLIENT_MANAGED.contains(name)) {
                request.header(name, e.getValue());
            }
        }
        if (shadowHost != null) {
            request.header("x-envoy-shadow-host", shadowHost); // Java's client will not send another Host
        }
        return request.build();
    }

    private static Response local(int status, String body) {
        HeaderList h = new HeaderList();
        if (!body.isEmpty()) {
            h.set("content-type", "text/plain");
        }
        return new Response(status, h, body.getBytes(StandardCharsets.UTF_8));
    }

    private static void reply(HttpExchange exchange, Response r) throws IOException {
        for (Map.Entry<String, String> e : r.headers().entries()) {
            if (!e.getKey().equals("content-length") && !e.getKey().equals("date")) {
                exchange.getResponseHeaders().add(e.getKey(), e.getValue());
            }
        }
        boolean noBody = r.body().length == 0 || exchange.getRequestMethod().equals("HEAD") || r.status() == 204
                || r.status() == 304;
        exchange.sendResponseHeaders(r.status(), noBody ? -1 : r.body().length);
        if (!noBody) {
            try (OutputStream os = exchange.getResponseBody()) {
                os.write(r.body());
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    /** The gRPC channels and upstream endpoints for the config's clusters. */
    public static final class Builder {
        private final EnvoyConfig config;
        private final Map<String, Channel> grpc = new HashMap<>();
        private final Map<String, List<URI>> clusters = new HashMap<>();
        private EnvoyRelease release = EnvoyRelease.V1_34;
        private Channel extProcChannel;
        private Duration checkTimeout;
        private java.util.function.UnaryOperator<ExtProcStandIn.Settings> extProcSettings = s -> s;

        private Builder(EnvoyConfig config) {
            this.config = config;
        }

        /** The channel to a gRPC cluster (tsgate, or an in-process fake). */
        public Builder grpc(String cluster, Channel channel) {
            grpc.put(cluster, channel);
            return this;
        }

        /** The endpoints of an HTTP cluster, e.g. VictoriaMetrics; several for a hashed cluster. */
        public Builder cluster(String name, URI... endpoints) {
            List<URI> list = new ArrayList<>();
            for (URI u : endpoints) {
                list.add(URI.create(u.toString().replaceAll("/+$", "")));
            }
            clusters.put(name, List.copyOf(list));
            return this;
        }

        /** A separate ext_proc server (a test's own limiter) instead of the config's cluster. */
        public Builder extProcChannel(Channel channel) {
            this.extProcChannel = channel;
            return this;
        }

        public Builder release(EnvoyRelease r) {
            this.release = r;
            return this;
        }

        /** Overrides the config's ext_authz timeout (0.5s) where a slow CI needs more. */
        public Builder checkTimeout(Duration timeout) {
            this.checkTimeout = timeout;
            return this;
        }

        /** Changes the ext_proc settings read from the config (a test's own variation). */
        public Builder extProcSettings(java.util.function.UnaryOperator<ExtProcStandIn.Settings> change) {
            this.extProcSettings = change;
            return this;
        }

        Channel grpc(String cluster) {
            Channel c = grpc.get(cluster);
            if (c == null) {
                throw new IllegalStateException("no channel given for gRPC cluster " + cluster + " (Builder.grpc)");
            }
            return c;
        }

        public EnvoyStandIn start() throws IOException {
            return new EnvoyStandIn(this);
        }
    }
}

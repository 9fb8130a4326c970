package io.tsgate.http;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.tsgate.policy.Allow;
import io.tsgate.limits.FailSafeLimiter;
import io.tsgate.policy.Decision;
import io.tsgate.policy.LimitDenials;
import io.tsgate.policy.DecisionObserver;
import io.tsgate.policy.Deny;
import io.tsgate.policy.RequestAuthorizer;
import io.tsgate.policy.ResponseHeaders;
import io.tsgate.request.BodyCompleteness;
import io.tsgate.request.RequestAttributes;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The decision over plain HTTP, one endpoint per proxy style ({@link ForwardAuthStyle}):
 * {@code /authz/…} (Envoy {@code http_service}), {@code /authz-nginx} (nginx {@code auth_request}) and
 * {@code /authz-forwarded} (Traefik {@code forwardAuth}, Caddy {@code forward_auth}).
 *
 * <p>Allow: 200 with {@code x-tsgate-path} (the path and query to forward — the proxy must send exactly this
 * upstream, or label confinement is lost), {@code x-tsgate-tenant}, {@code x-tsgate-class}.
 * Deny: the real status (400/401/403/429) with the JSON error body, {@code x-tsgate-status} and
 * {@code x-tsgate-reason}; for nginx every non-401 denial answers 403 and {@code x-tsgate-status} and
 * {@code x-tsgate-error} (the JSON body) let the shipped config answer with the real status and body.
 *
 * <p>Envoy's {@code http_service} and Traefik cannot replace the request path by themselves, so unless
 * {@code -forwardAuth.proxyAppliesPath} says the proxy does, an allow whose rewrite carries the confinement (another
 * path, label parameters) is refused on those endpoints: forwarded unchanged, it would reach VictoriaMetrics unconfined.
 *
 * <p>A header-style endpoint whose original-request header is missing, repeated or not an origin-form target
 * denies (400): the proxy is misconfigured, and guessing would let a client choose what is authorized.
 */
public final class ForwardAuthHandler implements HttpHandler {
    /** Prefix of the Envoy-style endpoint; the other styles' endpoints are {@link ForwardAuthStyle#path()}. */
    public static final String PREFIX = ForwardAuthStyle.ENVOY.path();
    public static final String STATUS_HEADER = "x-tsgate-status";
    public static final String REASON_HEADER = "x-tsgate-reason";
    public static final String ERROR_HEADER = "x-tsgate-error";
    private static final int MAX_BODY = 1 << 20;
    /** Never handed to the decision core as request headers: hop-by-hop, or the proxies' own description. */
    private static final Set<String> NOT_REQUEST_HEADERS = Set.of("connection", "keep-alive", "te", "trailer",
            "upgrade", "proxy-authorization", "proxy-authenticate", "x-original-uri", "x-original-method",
            "x-forwarded-uri", "x-forwarded-method", "x-forwarded-host", "x-forwarded-proto");

    private final Function<RequestAttributes, Decision> decisions;
    private final DecisionObserver observer;
    private final Map<String, String> securityHeaders;
    private final boolean proxyAppliesPath;

    /** With {@code -forwardAuth.proxyAppliesPath} unset: allows that need the rewritten path are refused. */
    public ForwardAuthHandler(RequestAuthorizer authorizer, DecisionObserver observer, Map<String, String> securityHeaders) {
        this(authorizer, observer, securityHeaders, false);
    }

    /** @param proxyAppliesPath {@code -forwardAuth.proxyAppliesPath} */
    public ForwardAuthHandler(RequestAuthorizer authorizer, DecisionObserver observer, Map<String, String> securityHeaders,
                              boolean proxyAppliesPath) {
        this(attrs -> decideLimited(authorizer, attrs), observer, securityHeaders, proxyAppliesPath);
    }

    /** Over any decision function: lets tests drive denials the core cannot produce yet (429). */
    ForwardAuthHandler(Function<RequestAttributes, Decision> decisions, DecisionObserver observer,
                       Map<String, String> securityHeaders, boolean proxyAppliesPath) {
        this.decisions = decisions;
        this.observer = observer;
        this.securityHeaders = securityHeaders;
        this.proxyAppliesPath = proxyAppliesPath;
    }

    /** The style served at {@code rawPath}, or null when the path is none of the forward-auth endpoints. */
    public static ForwardAuthStyle styleOf(String rawPath) {
        if (rawPath.startsWith(PREFIX + "/")) {
            return ForwardAuthStyle.ENVOY;
        }
        for (ForwardAuthStyle s : ForwardAuthStyle.values()) {
            if (s != ForwardAuthStyle.ENVOY && rawPath.equals(s.path())) {
                return s;
            }
        }
        return null;
    }

    @Override
    public void handle(HttpExchange ex) throws IOException {
        long start = System.nanoTime();
        ForwardAuthStyle style = styleOf(ex.getRequestURI().getRawPath());
        if (style == null) {
            AdminHttpServer.text(ex, 404, "not found: forward-auth endpoints are /authz/<original path> (Envoy), "
                    + "/authz-nginx (nginx auth_request) and /authz-forwarded (Traefik, Caddy)");
            return;
        }
        Headers in = ex.getRequestHeaders();
        Map<String, String> headers = new HashMap<>();
        in.forEach((k, v) -> {
            String name = k.toLowerCase(Locale.ROOT);
            if (!NOT_REQUEST_HEADERS.contains(name)) {
                headers.put(name, String.join(",", v));
            }
        });
        byte[] body = in.getFirst("content-length") == null && in.getFirst("transfer-encoding") == null
                ? new byte[0] : readBody(ex.getRequestBody());
        Original original = original(style, ex, in, body.length, headers);
        String method = original.method();
        String target = original.target();
        boolean complete = body.length <= MAX_BODY
                && BodyCompleteness.isComplete(method, body.length, -1, headers);
        RequestAttributes attrs = new RequestAttributes(method, target, headers,
                body.length > MAX_BODY ? new byte[0] : body, complete, ex.getRemoteAddress().getAddress().getHostAddress());
        Decision d = original.misconfigured() != null ? original.misconfigured() : decisions.apply(attrs);
        if (d instanceof Allow a && style != ForwardAuthStyle.NGINX && !proxyAppliesPath
                && rewriteCarriesConfinement(a, target)) {
            d = Deny.of(403, "forward_auth_path_not_applied", "this request may only be forwarded with the path tsgate "
                    + "rewrites it to (tenant or label confinement), and -forwardAuth.proxyAppliesPath is not set: "
                    + "configure the proxy to forward x-tsgate-path, then set the flag")
                    .withIdentity(a.access().tenant().toString(), a.access().subject());
        }
        respond(ex, d, style);
        observer.record(style.adapter(), attrs, d, start);
    }

    /**
     * Whether forwarding the original target instead of {@code x-tsgate-path} would lose confinement: a different
     * path (cluster mode's tenant prefix) or label parameters the token adds. A single-node request of a token without
     * labels or filters only gets its query re-encoded, which VictoriaMetrics reads the same.
     */
    static boolean rewriteCarriesConfinement(Allow a, String originalTarget) {
        return a.access().restrictsLabels() || !pathOnly(a.path()).equals(pathOnly(originalTarget));
    }

    private static String pathOnly(String target) {
        int q = target.indexOf('?');
        return q < 0 ? target : target.substring(0, q);
    }

    /**
     * The decision with rate limits. This runs on the HTTP listener's own pool, not a transport thread, so waiting
     * for a redis check (bounded by -redis.timeout, then the failure mode) is acceptable here.
     */
    private static Decision decideLimited(RequestAuthorizer authorizer, RequestAttributes attrs) {
        try {
            return authorizer.decideLimited(attrs).toCompletableFuture().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return LimitDenials.of(FailSafeLimiter.UNAVAILABLE);
        } catch (java.util.concurrent.ExecutionException e) {
            return LimitDenials.of(FailSafeLimiter.UNAVAILABLE);
        }
    }

    /** The original request as the proxy describes it; {@code misconfigured} is set when it cannot be trusted. */
    private record Original(String method, String target, Deny misconfigured) {
    }

    private static Original original(ForwardAuthStyle style, HttpExchange ex, Headers in, int received,
                                     Map<String, String> headers) {
        if (style == ForwardAuthStyle.ENVOY) {
            String q = ex.getRequestURI().getRawQuery();
            String target = ex.getRequestURI().getRawPath().substring(PREFIX.length()) + (q == null ? "" : "?" + q);
            String method = ex.getRequestMethod();
            return new Original(method, target, envoyBodyRules(method, received, headers));
        }
        String target = single(in, style.uriHeader());
        String method = single(in, style.methodHeader());
        String host = style.hostHeader() == null ? null : single(in, style.hostHeader());
        if (host != null) {
            headers.put("host", host);
        }
        return new Original(method == null ? "" : method, target == null ? "" : target,
                checkOriginal(style, target, method));
    }

    /**
     * Envoy's {@code http_service} check request describes the original body badly: its Content-Length is the length
     * of what Envoy buffered (0 without {@code with_request_body}), and Content-Type reaches tsgate only when
     * {@code allowed_headers} lists it. Either gap would let a form body with {@code extra_filters} pass as "no
     * body". So the received bytes alone say whether the body is here, and a body-carrying method without a
     * Content-Type is refused.
     */
    private static Deny envoyBodyRules(String method, int received, Map<String, String> headers) {
        if (received == 0) {
            headers.remove("content-length");
        }
        boolean bodyMethod = method.equals("POST") || method.equals("PUT") || method.equals("PATCH");
        if (bodyMethod && !headers.containsKey("content-type")) {
            return Deny.of(400, "forward_auth_no_content_type", "the check request has no Content-Type: configure "
                    + "Envoy's http_service authorization_request.allowed_headers to include content-type");
        }
        return null;
    }

    /** The one value of {@code name}, null when absent; a repeated header yields "" (never a guess between them). */
    private static String single(Headers in, String name) {
        List<String> v = in.get(name);
        if (v == null || v.isEmpty()) {
            return null;
        }
        return v.size() == 1 ? v.get(0) : "";
    }

    private static Deny checkOriginal(ForwardAuthStyle style, String target, String method) {
        if (target == null || target.isEmpty()) {
            return Deny.of(400, "forward_auth_no_original_uri", "forward-auth request without exactly one "
                    + style.uriHeader() + " header: configure the proxy to set it from the original request");
        }
        if (!target.startsWith("/")) {
            return Deny.of(400, "forward_auth_bad_original_uri", style.uriHeader()
                    + " must be the original request's path and query, starting with /");
        }
        if (method == null || method.isEmpty()) {
            return Deny.of(400, "forward_auth_no_original_method", "forward-auth request without exactly one "
                    + style.methodHeader() + " header: configure the proxy to set it from the original request");
        }
        for (int i = 0; i < method.length(); i++) {
            char c = method.charAt(i);
            if (c < 'A' || c > 'Z') {
                return Deny.of(400, "forward_auth_bad_original_method", style.methodHeader()
                        + " must be an HTTP method in upper case");
            }
        }
        return null;
    }

    private void respond(HttpExchange ex, Decision d, ForwardAuthStyle style) throws IOException {
        Headers out = ex.getResponseHeaders();
        securityHeaders.forEach(out::set);
        if (d instanceof Allow a) {
            out.set(ResponseHeaders.PATH, a.path());
            out.set(ResponseHeaders.TENANT, a.access().tenant().toString());
            out.set(ResponseHeaders.CLASS, a.requestClass().label());
            out.set(STATUS_HEADER, "200");
            ex.sendResponseHeaders(200, -1);
            return;
        }
        Deny n = (Deny) d;
        String body = ResponseHeaders.errorBody(n);
        n.headers().forEach(out::set);
        out.set(STATUS_HEADER, Integer.toString(n.status()));
        out.set(REASON_HEADER, n.reason());
        out.set("Content-Type", "application/json");
        if (n.status() == 401) {
            out.set("WWW-Authenticate", "Bearer error=\"invalid_token\"");
        }
        int status = n.status();
        if (!style.passesRealStatus()) {
            out.set(ERROR_HEADER, asciiOnly(body));
            status = status == 401 ? 401 : 403;
        }
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(b);
        }
    }

    /** JSON with every non-ASCII character as a backslash-u escape, so it survives as a header value. */
    static String asciiOnly(String json) {
        StringBuilder b = new StringBuilder(json.length());
        for (int i = 0; i < json.length(); i++) {
            char c = json.charAt(i);
            if (c >= 0x20 && c < 0x7f) {
                b.append(c);
            } else {
                b.append(String.format("\\u%04x", (int) c));
            }
        }
        return b.toString();
    }

    /** Reads at most MAX_BODY + 1 bytes, so an oversized body is recognised without being held whole. */
    private static byte[] readBody(InputStream in) throws IOException {
        return in.readNBytes(MAX_BODY + 1);
    }
}

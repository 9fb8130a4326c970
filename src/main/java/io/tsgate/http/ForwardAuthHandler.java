package io.tsgate.http;

import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaders;
import io.tsgate.policy.Allow;
import io.tsgate.policy.Decision;
import io.tsgate.policy.DecisionObserver;
import io.tsgate.policy.Deny;
import io.tsgate.policy.RequestAuthorizer;
import io.tsgate.policy.ResponseHeaders;
import io.tsgate.request.Backend;
import io.tsgate.request.BodyCompleteness;
import io.tsgate.request.RequestAttributes;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
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
 *
 * <p>Runs on the listener's event loop, as the gRPC Check runs on its transport thread: the decision does no I/O. A
 * rate-limit check that needs I/O (redis) returns an incomplete stage, and the response follows when it completes;
 * nothing waits for it.
 */
public final class ForwardAuthHandler {
    /** Prefix of the Envoy-style endpoint; the other styles' endpoints are {@link ForwardAuthStyle#path()}. */
    public static final String PREFIX = ForwardAuthStyle.ENVOY.path();
    public static final String STATUS_HEADER = "x-tsgate-status";
    public static final String REASON_HEADER = "x-tsgate-reason";
    public static final String ERROR_HEADER = "x-tsgate-error";
    /** Never handed to the decision core as request headers: hop-by-hop, or the proxies' own description. */
    private static final Set<String> NOT_REQUEST_HEADERS = Set.of("connection", "keep-alive", "te", "trailer",
            "upgrade", "proxy-authorization", "proxy-authenticate", "x-original-uri", "x-original-method",
            "x-forwarded-uri", "x-forwarded-method", "x-forwarded-host", "x-forwarded-proto");

    private final Decisions decisions;
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
        this((Decisions) attrs -> authorizer.decideLimited(attrs).toCompletableFuture(), observer, securityHeaders,
                proxyAppliesPath);
    }

    /** Over any decision function: lets tests drive denials the core cannot produce yet (429). */
    ForwardAuthHandler(Function<RequestAttributes, Decision> decisions, DecisionObserver observer,
                       Map<String, String> securityHeaders, boolean proxyAppliesPath) {
        this((Decisions) attrs -> CompletableFuture.completedFuture(decisions.apply(attrs)), observer, securityHeaders,
                proxyAppliesPath);
    }

    /** The decision, possibly still waiting for a limiter backend. */
    private interface Decisions {
        CompletableFuture<Decision> decide(RequestAttributes attrs);
    }

    private ForwardAuthHandler(Decisions decisions, DecisionObserver observer, Map<String, String> securityHeaders,
                               boolean proxyAppliesPath) {
        this.decisions = decisions;
        this.observer = observer;
        this.securityHeaders = securityHeaders;
        this.proxyAppliesPath = proxyAppliesPath;
    }

    /**
     * A forward-auth endpoint: its style, the backend it authorizes for, and (Envoy style) where the original path
     * starts. The backend is chosen by the endpoint the proxy's configuration calls, never by the client: Envoy
     * {@code /authz/…} (metrics), {@code /authz-logs/…}, {@code /authz-traces/…}; nginx and Traefik/Caddy their
     * endpoint for metrics, or it followed by {@code /logs} or {@code /traces}.
     */
    record Route(ForwardAuthStyle style, Backend backend, int originalStart) {
    }

    /** The style served at {@code rawPath}, or null when the path is none of the forward-auth endpoints. */
    public static ForwardAuthStyle styleOf(String rawPath) {
        Route r = routeOf(rawPath);
        return r == null ? null : r.style();
    }

    /** The endpoint at {@code rawPath}, or null. */
    static Route routeOf(String rawPath) {
        for (Backend b : Backend.values()) {
            String prefix = b == Backend.METRICS ? PREFIX + "/" : PREFIX + "-" + b.label() + "/";
            if (rawPath.startsWith(prefix)) {
                return new Route(ForwardAuthStyle.ENVOY, b, prefix.length() - 1);
            }
        }
        for (ForwardAuthStyle s : ForwardAuthStyle.values()) {
            if (s == ForwardAuthStyle.ENVOY || !rawPath.startsWith(s.path())) {
                continue;
            }
            if (rawPath.equals(s.path())) {
                return new Route(s, Backend.METRICS, 0);
            }
            for (Backend b : Backend.values()) {
                if (rawPath.equals(s.path() + "/" + b.label())) {
                    return new Route(s, b, 0);
                }
            }
        }
        return null;
    }

    /**
     * The response to one forward-auth request; complete at once unless a limiter backend is asked. Completes on the
     * thread that completed the decision.
     */
    CompletableFuture<FullHttpResponse> handle(ReceivedRequest req) {
        long start = System.nanoTime();
        Route route = routeOf(req.rawPath());
        if (route == null) {
            return CompletableFuture.completedFuture(Replies.text(404, "not found: forward-auth endpoints are "
                    + "/authz/<original path> (Envoy), /authz-nginx (nginx auth_request) and /authz-forwarded (Traefik, Caddy); "
                    + "for logs or traces /authz-logs/<original path>, /authz-nginx/logs, /authz-forwarded/traces and so on"));
        }
        ForwardAuthStyle style = route.style();
        Map<String, String> headers = requestHeaders(req.headers());
        byte[] body = req.body();
        Original original = original(route, req, body.length, headers);
        String method = original.method();
        String target = original.target();
        boolean complete = body.length <= ExchangeHandler.MAX_BODY
                && BodyCompleteness.isComplete(method, body.length, -1, headers);
        RequestAttributes attrs = new RequestAttributes(method, target, headers,
                body.length > ExchangeHandler.MAX_BODY ? new byte[0] : body, complete, req.remoteAddress(),
                route.backend() == Backend.METRICS ? Map.of() : Map.of(Backend.CONTEXT_KEY, route.backend().label()));
        if (original.misconfigured() != null) {
            return CompletableFuture.completedFuture(finish(style, attrs, original.misconfigured(), start));
        }
        CompletableFuture<Decision> stage = decisions.decide(attrs);
        if (stage.isDone()) {
            return CompletableFuture.completedFuture(finish(style, attrs, stage.join(), start));
        }
        return stage.thenApply(d -> finish(style, attrs, d, start));
    }

    private FullHttpResponse finish(ForwardAuthStyle style, RequestAttributes attrs, Decision decision, long start) {
        Decision d = decision;
        // The shipped nginx config applies x-tsgate-path for metrics; no shipped config sets the logs and traces
        // tenant headers, and a location that forgot them would pass the client's AccountID: the flag must say so.
        if (d instanceof Allow a && (style != ForwardAuthStyle.NGINX || a.backend() != Backend.METRICS)
                && !proxyAppliesPath && rewriteCarriesConfinement(a, attrs.rawPath())) {
            d = Deny.of(403, "forward_auth_path_not_applied", "this request may only be forwarded with the path tsgate "
                    + "rewrites it to (tenant or label confinement), and -forwardAuth.proxyAppliesPath is not set: "
                    + "configure the proxy to forward x-tsgate-path (and for logs and traces to set AccountID and "
                    + "ProjectID from this response, replacing the client's), then set the flag")
                    .withIdentity(a.tenant().toString(), a.access().subject());
        }
        FullHttpResponse r = respond(d, style);
        observer.record(style.adapter(), attrs, d, start);
        return r;
    }

    /**
     * The request headers the decision core sees: names in lower case, repeated fields joined with commas in the
     * order received, minus hop-by-hop headers and the proxies' description of the original request.
     */
    private static Map<String, String> requestHeaders(HttpHeaders in) {
        Map<String, String> headers = new HashMap<>();
        for (Iterator<Map.Entry<String, String>> it = in.iteratorAsString(); it.hasNext(); ) {
            Map.Entry<String, String> h = it.next();
            String name = h.getKey().toLowerCase(Locale.ROOT);
            if (!NOT_REQUEST_HEADERS.contains(name)) {
                headers.merge(name, h.getValue(), (a, b) -> a + "," + b);
            }
        }
        return headers;
    }

    /**
     * Whether forwarding the original target instead of {@code x-tsgate-path} would lose confinement: a different
     * path (cluster mode's tenant prefix) or label parameters the token adds. A single-node request of a token without
     * labels or filters only gets its query re-encoded, which VictoriaMetrics reads the same.
     */
    static boolean rewriteCarriesConfinement(Allow a, String originalTarget) {
        // Logs and traces: the tenant itself travels in headers the proxy must set, so every allow depends on it.
        return a.backend() != Backend.METRICS || a.access().restrictsLabels()
                || !pathOnly(a.path()).equals(pathOnly(originalTarget));
    }

    private static String pathOnly(String target) {
        int q = target.indexOf('?');
        return q < 0 ? target : target.substring(0, q);
    }

    /** The original request as the proxy describes it; {@code misconfigured} is set when it cannot be trusted. */
    private record Original(String method, String target, Deny misconfigured) {
    }

    private static Original original(Route route, ReceivedRequest req, int received,
                                     Map<String, String> headers) {
        HttpHeaders in = req.headers();
        ForwardAuthStyle style = route.style();
        if (style == ForwardAuthStyle.ENVOY) {
            String q = req.rawQuery();
            String target = req.rawPath().substring(route.originalStart()) + (q == null ? "" : "?" + q);
            String method = req.method();
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
    private static String single(HttpHeaders in, String name) {
        List<String> v = in.getAll(name);
        if (v.isEmpty()) {
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

    private FullHttpResponse respond(Decision d, ForwardAuthStyle style) {
        if (d instanceof Allow a) {
            FullHttpResponse r = Replies.empty(200);
            HttpHeaders out = r.headers();
            securityHeaders.forEach(out::set);
            out.set(ResponseHeaders.PATH, a.path());
            out.set(ResponseHeaders.TENANT, a.tenant().toString());
            out.set(ResponseHeaders.CLASS, a.requestClass().label());
            out.set(STATUS_HEADER, "200");
            // VictoriaLogs/VictoriaTraces tenant: the proxy sets these on the upstream request, replacing the
            // client's (nginx proxy_set_header from $upstream_http_accountid, Traefik authResponseHeaders).
            a.setHeaders().forEach(out::set);
            return r;
        }
        Deny n = (Deny) d;
        String body = ResponseHeaders.errorBody(n);
        int status = style.passesRealStatus() || n.status() == 401 ? n.status() : 403;
        FullHttpResponse r = Replies.of(status, "application/json", body.getBytes(StandardCharsets.UTF_8));
        HttpHeaders out = r.headers();
        securityHeaders.forEach(out::set);
        n.headers().forEach(out::set);
        out.set(STATUS_HEADER, Integer.toString(n.status()));
        out.set(REASON_HEADER, n.reason());
        out.set("Content-Type", "application/json");
        if (!style.passesRealStatus()) {
            out.set(ERROR_HEADER, asciiOnly(body));
        }
        return r;
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
}

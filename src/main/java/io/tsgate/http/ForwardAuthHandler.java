package io.tsgate.http;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.tsgate.policy.Allow;
import io.tsgate.limits.FailSafeLimiter;
import io.tsgate.limits.LimitVerdict;
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

/**
 * The decision over plain HTTP, for proxies that ask an HTTP service:
 * <ul>
 *   <li>nginx {@code auth_request}: the original request in {@code X-Original-URI} / {@code X-Original-Method}.
 *       nginx only passes 401 and 403 from the subrequest, so other denials answer 403 and carry the real status in
 *       {@code x-tsgate-status} for the shipped nginx config to return;</li>
 *   <li>Traefik {@code forwardAuth} / Caddy: {@code X-Forwarded-Uri} / {@code X-Forwarded-Method};</li>
 *   <li>Envoy {@code http_service} (and Istio {@code envoyExtAuthzHttp}): {@code /authz} + the original path, with the
 *       original method; only 200 allows. Here {@code X-Original-*}/{@code X-Forwarded-*} headers are ignored.</li>
 * </ul>
 * Allow: 200 with {@code x-tsgate-path}, {@code x-tsgate-tenant}, {@code x-tsgate-class}.
 */
public final class ForwardAuthHandler implements HttpHandler {
    public static final String PREFIX = "/authz";
    static final String STATUS_HEADER = "x-tsgate-status";
    static final String REASON_HEADER = "x-tsgate-reason";
    private static final int MAX_BODY = 1 << 20;
    private static final List<String> HOP_BY_HOP = List.of("connection", "keep-alive", "te", "trailer", "upgrade",
            "proxy-authorization", "proxy-authenticate", "x-original-uri", "x-original-method", "x-forwarded-uri",
            "x-forwarded-method");

    private final RequestAuthorizer authorizer;
    private final DecisionObserver observer;
    private final Map<String, String> securityHeaders;

    public ForwardAuthHandler(RequestAuthorizer authorizer, DecisionObserver observer, Map<String, String> securityHeaders) {
        this.authorizer = authorizer;
        this.observer = observer;
        this.securityHeaders = securityHeaders;
    }

    @Override
    public void handle(HttpExchange ex) throws IOException {
        long start = System.nanoTime();
        Headers in = ex.getRequestHeaders();
        String rawPath = ex.getRequestURI().getRawPath();
        // Only the bare /authz endpoint reads the original request from headers: there the proxy (nginx, Traefik)
        // sets them itself. Under /authz/… (Envoy http_service) the path is the original and such headers are
        // client input, ignored.
        boolean headerStyle = rawPath.equals(PREFIX);
        boolean nginx = headerStyle && in.containsKey("X-Original-URI");
        String target;
        String method;
        if (nginx) {
            target = in.getFirst("X-Original-URI");
            method = orDefault(in.getFirst("X-Original-Method"), "GET");
        } else if (headerStyle) {
            target = orDefault(in.getFirst("X-Forwarded-Uri"), "");
            method = orDefault(in.getFirst("X-Forwarded-Method"), ex.getRequestMethod());
        } else {
            String q = ex.getRequestURI().getRawQuery();
            target = rawPath.substring(PREFIX.length()) + (q == null ? "" : "?" + q);
            method = ex.getRequestMethod();
        }
        Map<String, String> headers = new HashMap<>();
        in.forEach((k, v) -> {
            String name = k.toLowerCase(Locale.ROOT);
            if (!HOP_BY_HOP.contains(name)) {
                headers.put(name, String.join(",", v));
            }
        });
        byte[] body = readBody(ex.getRequestBody());
        boolean complete = body.length <= MAX_BODY
                && BodyCompleteness.isComplete(method, body.length, -1, headers);
        RequestAttributes attrs = new RequestAttributes(method, target, headers,
                body.length > MAX_BODY ? new byte[0] : body, complete, ex.getRemoteAddress().getAddress().getHostAddress());
        Decision d = decide(attrs);
        respond(ex, d, nginx);
        observer.record(nginx ? "forward_auth_nginx" : "forward_auth", attrs, d, start);
    }

    /**
     * The decision with rate limits. This runs on the HTTP listener's own pool, not a transport thread, so waiting
     * for a redis check (bounded by -redis.timeout, then the failure mode) is acceptable here.
     */
    private Decision decide(RequestAttributes attrs) {
        try {
            return authorizer.decideLimited(attrs).toCompletableFuture().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return LimitDenials.of(new LimitVerdict(false, FailSafeLimiter.BACKEND_UNAVAILABLE, 0, 0, 1));
        } catch (java.util.concurrent.ExecutionException e) {
            return LimitDenials.of(new LimitVerdict(false, FailSafeLimiter.BACKEND_UNAVAILABLE, 0, 0, 1));
        }
    }

    private void respond(HttpExchange ex, Decision d, boolean nginx) throws IOException {
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
        out.set(STATUS_HEADER, Integer.toString(n.status()));
        out.set(REASON_HEADER, n.reason());
        out.set("Content-Type", "application/json");
        if (n.status() == 401) {
            out.set("WWW-Authenticate", "Bearer error=\"invalid_token\"");
        }
        n.headers().forEach(out::set);
        int status = nginx && n.status() != 401 ? 403 : n.status();
        byte[] b = ResponseHeaders.errorBody(n).getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(b);
        }
    }

    /** Reads at most MAX_BODY + 1 bytes, so an oversized body is recognised without being held whole. */
    private static byte[] readBody(InputStream in) throws IOException {
        return in.readNBytes(MAX_BODY + 1);
    }

    private static String orDefault(String v, String d) {
        return v == null || v.isEmpty() ? d : v;
    }
}

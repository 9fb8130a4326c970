package io.tsgate.request;

import java.util.Locale;
import java.util.Map;

/**
 * One HTTP request as the proxy saw it, free of any transport type.
 *
 * @param method     HTTP method, upper case
 * @param rawPath    the request target exactly as received: path plus optional {@code ?query}, still percent-encoded
 * @param headers    request headers with lower-case names (pseudo-headers excluded); one value per name, as Envoy
 *                   joins repeated headers with ","
 * @param body       request body bytes when the proxy forwarded them, else empty
 * @param bodyComplete false when the proxy forwarded no body or only part of it while the request has one
 * @param peer       the client address the proxy reports (may be empty)
 * @param contextExtensions what the data plane's configuration (never the client) says about the route: Envoy's
 *                   per-route {@code check_settings.context_extensions}, or the forward-auth endpoint's equivalent;
 *                   e.g. {@link Backend#CONTEXT_KEY}
 */
public record RequestAttributes(String method, String rawPath, Map<String, String> headers, byte[] body,
                                boolean bodyComplete, String peer, Map<String, String> contextExtensions) {

    /** A request on a route without context extensions (metrics). */
    public RequestAttributes(String method, String rawPath, Map<String, String> headers, byte[] body,
                             boolean bodyComplete, String peer) {
        this(method, rawPath, headers, body, bodyComplete, peer, Map.of());
    }

    public RequestAttributes {
        method = method == null ? "" : method.toUpperCase(Locale.ROOT);
        rawPath = rawPath == null ? "" : rawPath;
        headers = headers == null ? Map.of() : headers;
        body = body == null ? new byte[0] : body;
        peer = peer == null ? "" : peer;
        contextExtensions = contextExtensions == null ? Map.of() : Map.copyOf(contextExtensions);
    }

    /** The same request as described by other context extensions (the forward-auth endpoint's backend). */
    public RequestAttributes withContextExtensions(Map<String, String> extensions) {
        return new RequestAttributes(method, rawPath, headers, body, bodyComplete, peer, extensions);
    }

    /**
     * Method, target, header names, body size and peer: never a header value or the body, which carry credentials
     * (bearer tokens, API keys, cookies) and tenant data.
     */
    @Override
    public String toString() {
        return "RequestAttributes[" + method + " " + rawPath + ", headers=" + new java.util.TreeSet<>(headers.keySet())
                + " (values ****), body=" + body.length + " bytes" + (bodyComplete ? "" : " (incomplete)") + ", peer="
                + peer + (contextExtensions.isEmpty() ? "" : ", context=" + new java.util.TreeMap<>(contextExtensions)) + "]";
    }

    /** Header value by case-insensitive name, or null. */
    public String header(String name) {
        return headers.get(name.toLowerCase(Locale.ROOT));
    }
}

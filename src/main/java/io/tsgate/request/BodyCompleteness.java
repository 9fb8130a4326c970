package io.tsgate.request;

import java.util.Locale;
import java.util.Map;

/**
 * Whether the body an adapter received is the whole request body. Errs towards "incomplete": a form body that the
 * proxy did not forward must never look like an empty one, or its parameters would reach VictoriaMetrics unchecked.
 * HTTP/2 requests may have no Content-Length, so absence of the header proves nothing for POST, PUT and PATCH — the
 * only methods whose form bodies Go's {@code ParseForm} (and so VictoriaMetrics) reads.
 */
public final class BodyCompleteness {
    /** Envoy sets this on the check request when {@code allow_partial_message} cut the body short. */
    public static final String PARTIAL_BODY_HEADER = "x-envoy-auth-partial-body";

    private BodyCompleteness() {
    }

    /**
     * @param received     body bytes the adapter holds
     * @param declaredSize request size the proxy reports, -1 when unknown; 0 without a Content-Length is treated as
     *                     unknown, since a proxy may report 0 for a body it has not seen
     * @param headers      the original request's headers, lower-case names
     */
    public static boolean isComplete(String method, int received, long declaredSize, Map<String, String> headers) {
        if ("true".equalsIgnoreCase(headers.get(PARTIAL_BODY_HEADER))) {
            return false;
        }
        long declared = declaredSize;
        String cl = headers.get("content-length");
        if (cl != null) {
            try {
                declared = Math.max(declared, Long.parseLong(cl.trim()));
            } catch (NumberFormatException e) {
                return false;
            }
        }
        if (cl != null || declaredSize > 0) {
            return received >= declared;
        }
        if (received > 0) {
            return true;
        }
        String m = method.toUpperCase(Locale.ROOT);
        return !(m.equals("POST") || m.equals("PUT") || m.equals("PATCH"));
    }
}

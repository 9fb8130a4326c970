package io.tsgate.policy;

import io.tsgate.request.BadRequestException;
import io.tsgate.request.QueryParam;
import io.tsgate.request.QueryStrings;
import io.tsgate.request.RequestAttributes;
import io.tsgate.request.RequestClass;
import java.util.Locale;

/**
 * VictoriaMetrics merges {@code application/x-www-form-urlencoded} and {@code multipart/form-data} bodies into the
 * query parameters it reads, so a body can smuggle {@code extra_filters} past the query rewrite. For tokens that
 * restrict labels: a form body on a read endpoint must have been forwarded whole by the proxy and must not carry a
 * label parameter; multipart bodies, and form bodies on other endpoints, are refused.
 */
final class BodyGuard {
    private BodyGuard() {
    }

    /** Null when the body is harmless, else the denial. */
    static Deny check(RequestAttributes r, RequestClass cls) {
        String mediaType = mediaType(r.header("content-type"));
        if (mediaType == null) {
            return r.hasBody() ? Deny.of(400, "bad_content_type", "malformed Content-Type header") : null;
        }
        if (mediaType.equals("multipart/form-data") || mediaType.equals("multipart/mixed")) {
            return Deny.of(400, "multipart_body", "multipart bodies are not accepted for tokens that restrict labels");
        }
        if (!mediaType.equals("application/x-www-form-urlencoded")) {
            return null;
        }
        if (cls != RequestClass.READ) {
            return Deny.of(400, "form_body", "form bodies are not accepted on " + cls.label()
                    + " endpoints for tokens that restrict labels");
        }
        if (!r.bodyComplete()) {
            return Deny.of(400, "body_not_forwarded", "the proxy did not forward this form body, so its parameters "
                    + "cannot be checked; configure Envoy's ext_authz with_request_body (max_request_bytes large enough, "
                    + "allow_partial_message: false) for read endpoints, or send parameters in the URL");
        }
        try {
            for (QueryParam p : QueryStrings.parseForm(r.body())) {
                if (LabelParams.isLabelParam(p.name())) {
                    return Deny.of(400, "body_label_param", "the form body may not set " + p.name()
                            + "; the token's labels are enforced by the gateway");
                }
            }
        } catch (BadRequestException e) {
            return Deny.of(400, e.reason(), e.getMessage());
        }
        return null;
    }

    /** Lower-case media type without parameters; "" when absent; null when unparseable. */
    static String mediaType(String contentType) {
        if (contentType == null) {
            return "";
        }
        int semi = contentType.indexOf(';');
        String t = (semi < 0 ? contentType : contentType.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
        if (t.isEmpty()) {
            return "";
        }
        int slash = t.indexOf('/');
        if (slash <= 0 || slash == t.length() - 1 || t.indexOf('/', slash + 1) >= 0 || !t.matches("[a-z0-9!#$&^_.+\\-/]+")) {
            return null;
        }
        return t;
    }
}

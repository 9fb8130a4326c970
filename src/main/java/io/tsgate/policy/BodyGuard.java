package io.tsgate.policy;

import io.tsgate.request.BadRequestException;
import io.tsgate.request.ContentType;
import io.tsgate.request.QueryParam;
import io.tsgate.request.QueryStrings;
import io.tsgate.request.RequestAttributes;
import io.tsgate.request.RequestClass;

/**
 * VictoriaMetrics merges {@code application/x-www-form-urlencoded} and {@code multipart/form-data} bodies into the
 * query parameters it reads, so a body can smuggle {@code extra_filters} past the query rewrite. For tokens that
 * restrict labels: the Content-Type must be absent or one tsgate reads exactly as Go does ({@link ContentType});
 * a form body on a read endpoint must have been forwarded whole by the proxy and must not carry a label parameter;
 * multipart bodies, and form bodies on other endpoints, are refused.
 *
 * <p>Whether a body is present is never asked: proxies hide it (nginx {@code auth_request} clears Content-Length,
 * HTTP/2 needs neither Content-Length nor Transfer-Encoding), so a Content-Type tsgate cannot read is refused even
 * on a request that looks bodiless.
 */
final class BodyGuard {
    private BodyGuard() {
    }

    /** Null when the body is harmless, else the denial. */
    static Deny check(RequestAttributes r, RequestClass cls) {
        ContentType type;
        try {
            type = ContentType.parse(r.header("content-type"));
        } catch (BadRequestException e) {
            return Deny.of(400, e.reason(), e.getMessage());
        }
        if (type.isMultipart()) {
            return Deny.of(400, "multipart_body", "multipart bodies are not accepted for tokens that restrict labels");
        }
        if (!type.isForm()) {
            // Go reads no form from any other media type, whatever the method (net/http parsePostForm).
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
}

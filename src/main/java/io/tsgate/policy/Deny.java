package io.tsgate.policy;

import io.tsgate.request.RequestClass;

/**
 * The request is refused.
 *
 * @param status  HTTP status: 400, 401, 403, 413, 429 or 503
 * @param reason  stable reason code for metrics and logs (e.g. {@code token_expired})
 * @param message human-readable explanation returned to the client; never contains a credential
 * @param tenant  tenant in {@code a:p} form when known, else empty
 * @param subject credential subject when known, else empty
 * @param headers extra response headers (lower-case names), e.g. {@code retry-after} and {@code ratelimit-*} on 429;
 *                a 401 always carries {@code www-authenticate}
 * @param requestClass the class of the refused request when the refusal depends on it (a read over its queries
 *                     limit), else null: the {@code class} label of the decision metric, {@code none} when null
 */
public record Deny(int status, String reason, String message, String tenant, String subject,
                   java.util.Map<String, String> headers, RequestClass requestClass) implements Decision {

    /** The challenge every 401 carries (RFC 6750), whichever adapter answers it. */
    public static final String WWW_AUTHENTICATE = "www-authenticate";
    static final String BEARER_CHALLENGE = "Bearer error=\"invalid_token\"";

    public Deny {
        if (status == 401 && !headers.containsKey(WWW_AUTHENTICATE)) {
            java.util.Map<String, String> withChallenge = new java.util.LinkedHashMap<>();
            withChallenge.put(WWW_AUTHENTICATE, BEARER_CHALLENGE);
            withChallenge.putAll(headers);
            headers = withChallenge;
        }
        headers = java.util.Map.copyOf(headers);
    }

    public Deny(int status, String reason, String message, String tenant, String subject,
                java.util.Map<String, String> headers) {
        this(status, reason, message, tenant, subject, headers, null);
    }

    public Deny(int status, String reason, String message, String tenant, String subject) {
        this(status, reason, message, tenant, subject, java.util.Map.of(), null);
    }

    public static Deny of(int status, String reason, String message) {
        return new Deny(status, reason, message, "", "");
    }

    public Deny withIdentity(String tenant, String subject) {
        return new Deny(status, reason, message, tenant, subject, headers, requestClass);
    }

    /** The same denial, counted under the class of the request it refused. */
    public Deny withClass(RequestClass c) {
        return new Deny(status, reason, message, tenant, subject, headers, c);
    }

    /** The same denial with extra response headers (lower-case names). */
    public Deny withHeaders(java.util.Map<String, String> extra) {
        java.util.Map<String, String> all = new java.util.LinkedHashMap<>(headers);
        all.putAll(extra);
        return new Deny(status, reason, message, tenant, subject, all, requestClass);
    }

    /** Prometheus-style errorType for the JSON body. */
    public String errorType() {
        return switch (status) {
            case 400 -> "bad_data";
            case 401 -> "unauthorized";
            case 403 -> "forbidden";
            case 429 -> "too_many_requests";
            case 503 -> "unavailable";
            default -> "error";
        };
    }
}

package io.tsgate.auth;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The issuer and audience a key source's keys are bound to. A token is checked only against keys whose binding
 * accepts its {@code iss}, and its {@code aud} against the binding of the key that verified it.
 *
 * <p>{@code issuer} may be a template holding {@code {tenantid}} (Microsoft Entra's multi-tenant discovery
 * documents say {@code https://login.microsoftonline.com/{tenantid}/v2.0}): it then accepts exactly the token whose
 * {@code iss} is the template with {@code {tenantid}} replaced by the token's own {@code tid} claim, as Microsoft
 * documents for validating multi-tenant tokens. {@code tid} must look like a tenant id (letters, digits, dashes), so
 * a crafted {@code tid} cannot stretch the template over another path.
 *
 * @param issuer   required {@code iss} (or template); empty: the source names no issuer
 * @param audience required {@code aud} member; empty: the source names none
 */
public record SourceBinding(String issuer, String audience) {
    /** A source that names neither. */
    public static final SourceBinding NONE = new SourceBinding("", "");
    /** The placeholder of multi-tenant issuer templates. */
    public static final String TENANT_PLACEHOLDER = "{tenantid}";
    private static final int MAX_TID_CHARS = 64;

    public SourceBinding {
        issuer = issuer == null ? "" : issuer;
        audience = audience == null ? "" : audience;
    }

    /** True when the issuer is a multi-tenant template (holds {@code {tenantid}}). */
    public boolean multiTenant() {
        return issuer.contains(TENANT_PLACEHOLDER);
    }

    /** This binding where it names something, else {@code fallback}'s value (the global flags). */
    public SourceBinding orElse(SourceBinding fallback) {
        return new SourceBinding(issuer.isEmpty() ? fallback.issuer : issuer,
                audience.isEmpty() ? fallback.audience : audience);
    }

    /**
     * The exact {@code iss} this binding requires of {@code claims}, or null when the token cannot match it (no
     * {@code tid} for a template, or a {@code tid} outside the tenant-id alphabet). Empty when no issuer is bound.
     */
    public String expectedIssuer(JsonNode claims) {
        if (!multiTenant()) {
            return issuer;
        }
        JsonNode tid = claims.get("tid");
        if (tid == null || !tid.isTextual() || !isTenantId(tid.textValue())) {
            return null;
        }
        return issuer.replace(TENANT_PLACEHOLDER, tid.textValue());
    }

    /** True when the token's {@code iss} is the one this binding requires; a binding without issuer accepts none. */
    public boolean acceptsIssuer(JsonNode claims) {
        if (issuer.isEmpty()) {
            return false;
        }
        String want = expectedIssuer(claims);
        JsonNode iss = claims.get("iss");
        return want != null && iss != null && iss.isTextual() && want.equals(iss.textValue());
    }

    static boolean isTenantId(String s) {
        if (s.isEmpty() || s.length() > MAX_TID_CHARS) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-')) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return (issuer.isEmpty() ? "" : "issuer=" + issuer) + (audience.isEmpty() ? "" : " audience=" + audience);
    }
}

package io.tsgate.auth;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.nimbusds.jwt.JWTClaimsSet;
import java.time.Duration;
import java.time.Instant;

/**
 * Checks a signature-verified JWT payload and turns it into {@link Access}: {@code exp} (required), {@code nbf},
 * {@code iat} with clock skew, {@code iss}/{@code aud} when configured, {@code sub}, and {@code vm_access}
 * (see {@link VmAccessClaim}).
 *
 * <p>The payload is read with Jackson rather than nimbus's claim map so that integers and non-integers stay
 * distinguishable ({@code 1} vs {@code 1.0}) and a claim given twice is rejected instead of last-one-wins, which
 * would let two parsers in a chain disagree about what a token grants.
 */
public final class ClaimsParser {
    /**
     * The range rule for {@code exp}, {@code nbf} and {@code iat}: a JSON number of seconds since the epoch, integral
     * or fractional, from 0 up to but excluding 10^11 (year 5138). Anything outside is an invalid claim (401):
     * negative values, ±1e300 and other huge numbers, and millisecond timestamps, which are all ≥ 10^11 from 1973
     * on and would otherwise be read as an expiry tens of thousands of years away. The bound also keeps Instant
     * arithmetic with the clock skew from overflowing.
     */
    private static final long MAX_EPOCH_SECONDS = 100_000_000_000L;

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private final String issuer;
    private final String audience;
    private final Duration skew;

    /** Empty {@code issuer}/{@code audience}: not checked. */
    public ClaimsParser(String issuer, String audience, Duration clockSkew) {
        this.issuer = issuer == null ? "" : issuer;
        this.audience = audience == null ? "" : audience;
        this.skew = clockSkew;
    }

    /** Parses a JSON payload strictly; anything but one JSON object is {@code malformed_token}. */
    public static JsonNode readPayload(String json) throws CredentialRejectedException {
        try {
            JsonNode n = JSON.readTree(json);
            if (n == null || !n.isObject()) {
                throw new CredentialRejectedException("malformed_token", "token payload is not a JSON object");
            }
            return n;
        } catch (JsonProcessingException e) {
            throw new CredentialRejectedException("malformed_token", "token payload is not valid JSON");
        }
    }

    /** Convenience for callers holding nimbus's claims (its number types already lost the int/float split). */
    public Access parse(JWTClaimsSet claims, Instant now, String keyId) throws CredentialRejectedException {
        return parse(readPayload(claims.toString()), now, keyId);
    }

    /** The access granted by verified {@code claims} at {@code now}, checking this parser's issuer and audience. */
    public Access parse(JsonNode claims, Instant now, String keyId) throws CredentialRejectedException {
        return parse(claims, now, keyId, new SourceBinding(issuer, audience));
    }

    /**
     * The access granted by verified {@code claims} at {@code now}, or a rejection naming the claim at fault;
     * {@code iss} and {@code aud} are checked against {@code binding} (the verifying key's source).
     */
    public Access parse(JsonNode claims, Instant now, String keyId, SourceBinding binding)
            throws CredentialRejectedException {
        return parse(claims, now, keyId, binding, AccessRules.NONE, false);
    }

    /**
     * As {@link #parse(JsonNode, Instant, String, SourceBinding)}, with access rules: a token without
     * {@code vm_access} (or any token, when {@code rulesFirst}) gets the grant of the rule its claims select; a token
     * no rule selects keeps its own {@code vm_access}, and without one is refused with 403 {@code no_access_rule}.
     */
    public Access parse(JsonNode claims, Instant now, String keyId, SourceBinding binding, AccessRules rules,
                        boolean rulesFirst) throws CredentialRejectedException {
        Instant exp = numericDate(claims, "exp");
        if (exp == null) {
            throw VmAccessClaim.invalid("exp", "is required (expiry as seconds since the epoch)");
        }
        if (!now.isBefore(exp.plus(skew))) {
            throw new CredentialRejectedException("token_expired", "token expired");
        }
        Instant nbf = numericDate(claims, "nbf");
        if (nbf != null && now.plus(skew).isBefore(nbf)) {
            throw new CredentialRejectedException("token_not_yet_valid", "token is not valid yet (nbf)");
        }
        Instant iat = numericDate(claims, "iat");
        if (iat != null && now.plus(skew).isBefore(iat)) {
            throw new CredentialRejectedException("token_not_yet_valid", "token is issued in the future (iat)");
        }
        String expectedIssuer = binding.expectedIssuer(claims);
        checkIssuer(expectedIssuer == null ? binding.issuer() : expectedIssuer, expectedIssuer == null,
                claims.get("iss"));
        checkAudience(binding.audience(), claims.get("aud"));
        JsonNode own = claims.get("vm_access");
        boolean hasOwn = own != null && !own.isNull();
        if (!rules.isEmpty() && (rulesFirst || !hasOwn)) {
            RuleMatch m = rules.match(claims);
            if (m != null) {
                return VmAccessClaim.toAccess(m.grant(), subject(claims.get("sub")), keyId, exp);
            }
            if (!hasOwn) {
                throw new CredentialRejectedException("no_access_rule", "the token has no vm_access claim and no"
                        + " access rule matches its claims", 403);
            }
        }
        JsonNode vmAccess = vmAccess(own);
        if (claims.has("role") && vmAccess.isObject() && !vmAccess.has("mode")) {
            throw VmAccessClaim.roleWithoutMode("role");
        }
        return VmAccessClaim.toAccess(vmAccess, subject(claims.get("sub")), keyId, exp);
    }

    private static Instant numericDate(JsonNode claims, String name) throws CredentialRejectedException {
        JsonNode n = claims.get(name);
        if (n == null) {
            return null;
        }
        if (!n.isNumber()) {
            throw VmAccessClaim.invalid(name, "must be a number of seconds since the epoch");
        }
        double value = n.doubleValue();
        if (!(value >= 0)) {
            throw VmAccessClaim.invalid(name, "must be a number of seconds since the epoch, not negative");
        }
        if (value >= MAX_EPOCH_SECONDS) {
            throw VmAccessClaim.invalid(name, "must be seconds since the epoch below " + MAX_EPOCH_SECONDS
                    + "; a value this large is usually milliseconds, which are not accepted (vmauth compares exp with "
                    + "Unix seconds, so a millisecond exp never expires there): mint the token with seconds");
        }
        if (n.isIntegralNumber()) {
            return Instant.ofEpochSecond(n.longValue());
        }
        double d = n.doubleValue();
        long seconds = (long) Math.floor(d);
        return Instant.ofEpochSecond(seconds, (long) ((d - seconds) * 1e9));
    }

    private static void checkIssuer(String issuer, boolean unmatchable, JsonNode iss)
            throws CredentialRejectedException {
        if (unmatchable || !issuer.isEmpty() && (iss == null || !iss.isTextual() || !issuer.equals(iss.textValue()))) {
            throw new CredentialRejectedException("bad_issuer", "token issuer (iss) is not the configured one");
        }
    }

    private static void checkAudience(String audience, JsonNode aud) throws CredentialRejectedException {
        if (audience.isEmpty()) {
            return;
        }
        if (aud != null && aud.isTextual() && audience.equals(aud.textValue())) {
            return;
        }
        if (aud != null && aud.isArray()) {
            // RFC 7519 §4.1.3: an array of strings. One that holds anything else is malformed, not a partial match.
            boolean found = false;
            for (JsonNode a : aud) {
                if (!a.isTextual()) {
                    throw VmAccessClaim.invalid("aud", "must be a string or an array of strings");
                }
                found |= audience.equals(a.textValue());
            }
            if (found) {
                return;
            }
        }
        throw new CredentialRejectedException("bad_audience", "token audience (aud) does not include this gateway");
    }

    private static String subject(JsonNode sub) throws CredentialRejectedException {
        if (sub == null) {
            return "";
        }
        if (!sub.isTextual()) {
            throw VmAccessClaim.invalid("sub", "must be a string");
        }
        return sub.textValue();
    }

    /** vmgateway accepts vm_access as an object or as a string holding the object's JSON. */
    private static JsonNode vmAccess(JsonNode n) throws CredentialRejectedException {
        if (n == null || n.isNull()) {
            throw VmAccessClaim.invalid("vm_access", "is required, at least {\"tenant_id\":{}}");
        }
        if (!n.isTextual()) {
            return n;
        }
        try {
            JsonNode parsed = JSON.readTree(n.textValue());
            if (parsed != null && parsed.isObject()) {
                return parsed;
            }
        } catch (JsonProcessingException e) {
            // fall through: same rejection as a non-object
        }
        throw VmAccessClaim.invalid("vm_access", "string form must hold a JSON object");
    }
}

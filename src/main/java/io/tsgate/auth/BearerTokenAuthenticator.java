package io.tsgate.auth;

import io.tsgate.request.RequestAttributes;
import java.util.Locale;

/**
 * Reads a JWT from {@code -auth.httpHeader}. On {@code Authorization} the scheme must be {@code Bearer}; on any
 * other header a bare token is accepted too, as vmgateway does.
 */
public final class BearerTokenAuthenticator implements Authenticator {
    private static final String BEARER = "bearer ";
    private final String header;
    private final boolean schemeRequired;
    private final TokenVerifier verifier;

    public BearerTokenAuthenticator(String headerName, TokenVerifier verifier) {
        this.header = headerName.toLowerCase(Locale.ROOT);
        this.schemeRequired = header.equals("authorization");
        this.verifier = verifier;
    }

    @Override
    public Access authenticate(RequestAttributes request) throws CredentialRejectedException {
        String value = request.header(header);
        if (value == null || value.isBlank()) {
            throw new CredentialRejectedException("missing_credential", "missing bearer token in " + header + " header");
        }
        // value.trim(), the scheme and the token as indices into the header: a cached token is never copied out
        int from = 0;
        int to = value.length();
        while (from < to && value.charAt(from) <= ' ') {
            from++;
        }
        while (to > from && value.charAt(to - 1) <= ' ') {
            to--;
        }
        boolean hasScheme = to - from >= BEARER.length() && value.regionMatches(true, from, BEARER, 0, BEARER.length());
        if (hasScheme) {
            from += BEARER.length();
            while (from < to && value.charAt(from) <= ' ') {
                from++;
            }
        } else if (schemeRequired) {
            throw new CredentialRejectedException("bad_auth_scheme", "the " + header + " header must use the Bearer scheme");
        }
        if (from == to) {
            throw new CredentialRejectedException("missing_credential", "empty bearer token");
        }
        return verifier.verify(value, from, to);
    }

    @Override
    public String credentialHeader() {
        return header;
    }
}

package io.tsgate.auth;

import io.tsgate.request.RequestAttributes;
import java.time.Clock;
import java.util.Locale;

/**
 * Reads an API key from {@code -apikeys.httpHeader}, looks its SHA-256 up in the synced {@link ApiKeySet} and
 * returns the entry's {@link Access}: the same value a JWT with the same grant produces, so tenant, labels and mode
 * are enforced by the same decision core. No I/O.
 */
public final class ApiKeyAuthenticator implements Authenticator {
    /** Generated keys are 47 characters; anything far longer is garbage and not worth hashing. */
    static final int MAX_KEY_CHARS = 512;

    private final String header;
    private final ApiKeySync keys;
    private final Clock clock;

    public ApiKeyAuthenticator(String headerName, ApiKeySync keys, Clock clock) {
        this.header = headerName.toLowerCase(Locale.ROOT);
        this.keys = keys;
        this.clock = clock;
    }

    @Override
    public Access authenticate(RequestAttributes request) throws CredentialRejectedException {
        String v = request.header(header);
        if (v == null || v.isBlank()) {
            throw new CredentialRejectedException("missing_credential", "missing API key in " + header + " header");
        }
        v = v.trim();
        if (v.length() > MAX_KEY_CHARS) {
            throw new CredentialRejectedException("malformed_api_key", "API key is too long");
        }
        ApiKeyEntry e = keys.current().find(ApiKeySet.hash(v));
        if (e == null) {
            if (!keys.loaded()) {
                throw new CredentialRejectedException("api_keys_not_loaded",
                        "API keys from " + keys.source() + " are not loaded yet; retry shortly");
            }
            throw new CredentialRejectedException("unknown_api_key", "API key is not valid");
        }
        if (e.expiresAt() != null && !clock.instant().isBefore(e.expiresAt())) {
            throw new CredentialRejectedException("api_key_expired", "API key expired");
        }
        return e.access();
    }

    @Override
    public String credentialHeader() {
        return header;
    }
}

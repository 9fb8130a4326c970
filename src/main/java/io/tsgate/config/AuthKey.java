package io.tsgate.config;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * A shared secret that guards an endpoint, passed in the {@code authKey} query arg as VictoriaMetrics'
 * {@code -metricsAuthKey} is (lib/httpserver/httpserver.go {@code CheckAuthFlag}, commit b7ef6cc3). Prints masked.
 *
 * @param flag  the flag it comes from, for the 401 message
 * @param value the key; empty: the endpoint is open
 */
public record AuthKey(String flag, String value) {
    public static final AuthKey NONE = new AuthKey("", "");

    static AuthKey from(FlagValues f, String flag) {
        return new AuthKey(flag, f.string(flag));
    }

    public boolean required() {
        return !value.isEmpty();
    }

    /** Constant-time in the candidate's content, so response timing does not reveal how much of a guess is right. */
    public boolean matches(String candidate) {
        return candidate != null && MessageDigest.isEqual(value.getBytes(StandardCharsets.UTF_8),
                candidate.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return "AuthKey[" + flag + (required() ? "=****" : " unset") + "]";
    }
}

package io.tsgate.auth;

/**
 * A credential was missing, malformed, unverifiable, expired or carried invalid claims. Always a 401.
 * Carries a stable reason code for metrics and a message safe to show the client (never the credential itself).
 * No stack trace: rejections are expected traffic, not bugs.
 */
public final class CredentialRejectedException extends Exception {
    private final String reason;

    public CredentialRejectedException(String reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    /** Stable reason code, e.g. {@code token_expired}, {@code bad_signature}, {@code invalid_claims}. */
    public String reason() {
        return reason;
    }
}

package io.tsgate.auth;

/**
 * A credential was missing, malformed, unverifiable, expired or carried invalid claims: a 401. A verified token
 * that no access rule grants anything is a 403 (it is authentic, just not allowed).
 * Carries a stable reason code for metrics and a message safe to show the client (never the credential itself).
 * No stack trace: rejections are expected traffic, not bugs.
 */
public final class CredentialRejectedException extends Exception {
    private final String reason;
    private final int status;

    public CredentialRejectedException(String reason, String message) {
        this(reason, message, 401);
    }

    /** A rejection answered with {@code status} (401 or 403). */
    public CredentialRejectedException(String reason, String message, int status) {
        super(message, null, false, false);
        this.reason = reason;
        this.status = status;
    }

    /** The HTTP status of the denial: 401, or 403 for a verified token no access rule grants. */
    public int status() {
        return status;
    }

    /** Stable reason code, e.g. {@code token_expired}, {@code bad_signature}, {@code invalid_claims}. */
    public String reason() {
        return reason;
    }
}

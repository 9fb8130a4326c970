package io.tsgate.limits;

/** What a limit check answers when its backend cannot be reached ({@code -ratelimit.failureMode}). */
public enum FailureMode {
    /** Allow the request, uncounted: availability over enforcement. */
    OPEN,
    /** Refuse the request with 429 until the backend answers again. */
    CLOSED
}

package io.tsgate.policy;

import io.tsgate.limits.FailSafeLimiter;
import io.tsgate.limits.LimitVerdict;
import java.util.Map;

/**
 * A refused {@link LimitVerdict} as a 429: reason {@code limit_<type>} (e.g. {@code limit_queries},
 * {@code limit_backend_unavailable}), {@code Retry-After} and the {@code RateLimit-Limit}/{@code -Remaining}/
 * {@code -Reset} headers of the IETF draft (limit, what is left, seconds to the window's end).
 */
public final class LimitDenials {
    private LimitDenials() {
    }

    /** The 429 when the limiter could not answer at all (its stage failed). */
    public static Deny unavailable() {
        return of(FailSafeLimiter.UNAVAILABLE);
    }

    public static Deny of(LimitVerdict v) {
        return of(v, "");
    }

    /** The same 429, its message saying what was refused first (e.g. "a write of 5 rows and 3 series: "). */
    public static Deny of(LimitVerdict v, String refused) {
        long reset = Math.max(1, v.resetSeconds());
        String message = v.type().equals(FailSafeLimiter.BACKEND_UNAVAILABLE)
                ? "rate limits cannot be checked right now (-ratelimit.failureMode=closed); retry in " + reset + "s"
                : "the tenant is over its " + v.type() + " limit of " + v.limit() + "; retry in " + reset + "s";
        return Deny.of(429, "limit_" + v.type(), refused + message).withHeaders(Map.of(
                "retry-after", Long.toString(reset),
                "ratelimit-limit", Long.toString(Math.max(0, v.limit())),
                "ratelimit-remaining", Long.toString(Math.max(0, v.remaining())),
                "ratelimit-reset", Long.toString(reset)));
    }
}

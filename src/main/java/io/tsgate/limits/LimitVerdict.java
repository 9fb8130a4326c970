package io.tsgate.limits;

/**
 * The outcome of one limiter call.
 *
 * @param allowed       whether the request may go on
 * @param type          the limit type that decided ({@code queries}, {@code rows_inserted}, {@code new_series},
 *                      {@code active_series}), or empty when no limit applies
 * @param limit         the limit value, or -1 when no limit applies
 * @param remaining     what is left in the current window after this request (0 when refused)
 * @param resetSeconds  seconds until the current window ends
 */
public record LimitVerdict(boolean allowed, String type, long limit, long remaining, long resetSeconds) {
    public static final LimitVerdict UNLIMITED = new LimitVerdict(true, "", -1, -1, 0);
}

package io.tsgate.limits;

import io.tsgate.request.Tenant;
import java.util.concurrent.CompletionStage;

/**
 * Per-tenant rate limits (vmgateway's limit file: queries, rows_inserted, new_series, active_series) behind one narrow interface, with {@code local}, {@code redis} and
 * {@code datasource} implementations. Calls never block the caller: a backend that needs I/O completes the stage
 * later on its own threads; the local backend returns an already completed stage.
 */
public interface Limiter {
    /** Counts one read request of {@code tenant} against its {@code queries} limits. */
    CompletionStage<LimitVerdict> acquireQuery(Tenant tenant);

    /**
     * Counts a write of {@code rows} samples whose distinct series have the 64-bit hashes {@code seriesHashes}
     * against the {@code rows_inserted}, {@code new_series} and {@code active_series} limits. A write that would
     * exceed a limit is refused whole and not counted.
     */
    CompletionStage<LimitVerdict> admitWrite(Tenant tenant, long rows, long[] seriesHashes);

    /** True when some row or series limit applies to {@code tenant}, so its write bodies must be counted. */
    boolean countsWrites(Tenant tenant);

    /**
     * Null while the backend is usable, else a short reason why not, for metrics and the log. Never for readiness:
     * without its backend tsgate still decides, as {@code -ratelimit.failureMode} says.
     */
    default String unavailableReason() {
        return null;
    }
}

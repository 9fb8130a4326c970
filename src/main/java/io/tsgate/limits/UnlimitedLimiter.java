package io.tsgate.limits;

import io.tsgate.request.Tenant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** The limiter when no limit is configured: everything is allowed and no write body needs counting. */
public final class UnlimitedLimiter implements Limiter {
    private static final CompletionStage<LimitVerdict> ALLOW = CompletableFuture.completedFuture(LimitVerdict.UNLIMITED);

    @Override
    public CompletionStage<LimitVerdict> acquireQuery(Tenant tenant) {
        return ALLOW;
    }

    @Override
    public CompletionStage<LimitVerdict> admitWrite(Tenant tenant, long rows, long[] seriesHashes) {
        return ALLOW;
    }

    @Override
    public boolean countsWrites(Tenant tenant) {
        return false;
    }
}

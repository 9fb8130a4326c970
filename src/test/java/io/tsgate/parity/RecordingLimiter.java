package io.tsgate.parity;

import io.tsgate.limits.LimitVerdict;
import io.tsgate.limits.Limiter;
import io.tsgate.request.Tenant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A limiter that counts every write of every tenant and allows it, remembering what the last write was charged:
 * the differential test reads tsgate's counts through the same ext_proc path a limited tenant's write takes.
 * Single-threaded use (one write at a time).
 */
public final class RecordingLimiter implements Limiter {
    /** What one write was charged. */
    public record Charge(long rows, long[] seriesHashes) {
    }

    private volatile Charge last;

    @Override
    public CompletionStage<LimitVerdict> acquireQuery(Tenant tenant) {
        return CompletableFuture.completedFuture(LimitVerdict.UNLIMITED);
    }

    @Override
    public CompletionStage<LimitVerdict> admitWrite(Tenant tenant, long rows, long[] seriesHashes) {
        last = new Charge(rows, seriesHashes.clone());
        return CompletableFuture.completedFuture(LimitVerdict.UNLIMITED);
    }

    @Override
    public boolean countsWrites(Tenant tenant) {
        return true;
    }

    /** The charge since the last call, or null when nothing was charged. */
    public Charge take() {
        Charge c = last;
        last = null;
        return c;
    }
}

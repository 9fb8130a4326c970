package io.tsgate.limits;

import io.tsgate.request.Tenant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;

/**
 * A row budget for the ext_proc service's protocol unit tests, which need to see each admitWrite call: each listed
 * tenant has a fixed budget of rows; a write that would exceed what is left is refused whole and not counted. With
 * an executor it answers on that executor's thread, as the Redis backend does. Gateway-level tests use the real
 * limiters the gateway wires (GatewayWriteLimitIT, WriteAccountingIT).
 */
public final class RowBudgetLimiter implements Limiter {
    /** One admitWrite call as the limiter saw it. */
    public record Admission(Tenant tenant, long rows, int series, boolean allowed) {
    }

    private final Map<Tenant, Long> limits;
    private final Map<Tenant, Long> used = new ConcurrentHashMap<>();
    private final Executor executor;
    private final List<Admission> admissions = new CopyOnWriteArrayList<>();

    public RowBudgetLimiter(Map<Tenant, Long> rowLimits, Executor executor) {
        this.limits = Map.copyOf(rowLimits);
        this.executor = executor;
    }

    @Override
    public CompletionStage<LimitVerdict> acquireQuery(Tenant tenant) {
        return CompletableFuture.completedFuture(LimitVerdict.UNLIMITED);
    }

    @Override
    public CompletionStage<LimitVerdict> admitWrite(Tenant tenant, long rows, long[] seriesHashes) {
        if (executor == null) {
            return CompletableFuture.completedFuture(decide(tenant, rows, seriesHashes));
        }
        return CompletableFuture.supplyAsync(() -> decide(tenant, rows, seriesHashes), executor);
    }

    private synchronized LimitVerdict decide(Tenant tenant, long rows, long[] seriesHashes) {
        Long limit = limits.get(tenant);
        if (limit == null) {
            admissions.add(new Admission(tenant, rows, seriesHashes.length, true));
            return LimitVerdict.UNLIMITED;
        }
        long spent = used.getOrDefault(tenant, 0L);
        boolean allowed = spent + rows <= limit;
        if (allowed) {
            used.put(tenant, spent + rows);
        }
        admissions.add(new Admission(tenant, rows, seriesHashes.length, allowed));
        return new LimitVerdict(allowed, "rows_inserted", limit, allowed ? limit - spent - rows : limit - spent, 42);
    }

    @Override
    public boolean countsWrites(Tenant tenant) {
        return limits.containsKey(tenant);
    }

    public List<Admission> admissions() {
        return List.copyOf(admissions);
    }

    public synchronized long used(Tenant tenant) {
        return used.getOrDefault(tenant, 0L);
    }
}

package io.tsgate.limits;

import io.tsgate.request.Tenant;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code datasource} backend (vmgateway's way): every {@code -ratelimit.refreshInterval} a background task runs
 * one PromQL query per limit type and resolution in use and keeps each tenant's usage in memory; a check compares
 * that usage with the limit, so it never waits for I/O. A tenant at or over a limit is refused until a refresh shows
 * it under again. The limit is only as fresh as the datasource's scrapes and the refresh interval.
 *
 * <p>Series estimates for the default queries come from a local tracker: every admitted write is added to this
 * replica's sketches, exported as {@code tsgate_tenant_*_series}.
 *
 * <p>While the last refresh failed, checks fail too, so {@code -ratelimit.failureMode} decides.
 */
public final class DatasourceLimiter implements Limiter, SeriesEstimator {
    private static final Logger LOG = LoggerFactory.getLogger(DatasourceLimiter.class);

    private final Clock clock;
    private final Supplier<LimitRules> rules;
    private final UsageSource source;
    private final DatasourceQueries queries;
    private final LocalLimiter tracker;
    private volatile Map<String, Map<Tenant, Double>> usage;
    private static final String NOT_YET = "no successful datasource query yet";
    private volatile String failure = NOT_YET;

    public DatasourceLimiter(Clock clock, Supplier<LimitRules> rules, UsageSource source, DatasourceQueries queries) {
        this.clock = clock;
        this.rules = rules;
        this.source = source;
        this.queries = queries;
        // Tracks series of tenants with series limits without enforcing anything locally (recordSeries only).
        this.tracker = new LocalLimiter(clock, rules);
    }

    /** Runs every query once; on any failure the previous usage is kept and checks fail until the next success. */
    public void refresh() {
        Map<String, Map<Tenant, Double>> fresh = new HashMap<>();
        try {
            for (LimitRule r : rules.get().all()) {
                String key = key(r.type(), r.resolution());
                if (!fresh.containsKey(key)) {
                    fresh.put(key, Map.copyOf(source.query(queries.render(r.type(), r.resolution()))));
                }
            }
        } catch (Exception e) {
            if (failure == null || failure.equals(NOT_YET)) {
                LOG.warn("datasource query failed (limits use the last good usage, or -ratelimit.failureMode): {}",
                        e.toString());
            }
            failure = "datasource query failed: " + e.getMessage();
            return;
        }
        usage = Map.copyOf(fresh);
        if (failure != null) {
            LOG.info("datasource answered; {} usage queries loaded", fresh.size());
        }
        failure = null;
    }

    /** Drops series sketches of tenants idle for two hours (see {@link LocalLimiter#evictIdle}). */
    public void evictIdle() {
        tracker.evictIdle();
    }

    private static String key(LimitType type, Resolution resolution) {
        return type.label() + "/" + resolution.label();
    }

    @Override
    public CompletionStage<LimitVerdict> acquireQuery(Tenant tenant) {
        return check(tenant, LimitType.QUERIES, null);
    }

    @Override
    public CompletionStage<LimitVerdict> admitWrite(Tenant tenant, long rows, long[] seriesHashes) {
        LimitVerdict tightest = null;
        for (LimitType t : new LimitType[] {LimitType.ROWS_INSERTED, LimitType.NEW_SERIES, LimitType.ACTIVE_SERIES}) {
            CompletableFuture<LimitVerdict> v = check(tenant, t, tightest);
            if (v.isCompletedExceptionally() || !v.join().allowed()) {
                return v;
            }
            if (v.join() != LimitVerdict.UNLIMITED) {
                tightest = v.join(); // UNLIMITED's remaining of -1 would otherwise beat every real verdict after it
            }
        }
        LimitRules r = rules.get();
        if (r.forTenant(tenant, LimitType.NEW_SERIES).length > 0 || r.forTenant(tenant, LimitType.ACTIVE_SERIES).length > 0) {
            tracker.recordSeries(tenant, seriesHashes);
        }
        return CompletableFuture.completedFuture(tightest == null ? LimitVerdict.UNLIMITED : tightest);
    }

    private CompletableFuture<LimitVerdict> check(Tenant tenant, LimitType type, LimitVerdict tightest) {
        LimitRule[] rs = rules.get().forTenant(tenant, type);
        if (rs.length == 0) {
            return CompletableFuture.completedFuture(tightest == null ? LimitVerdict.UNLIMITED : tightest);
        }
        String why = failure;
        Map<String, Map<Tenant, Double>> u = usage;
        if (why != null || u == null) {
            return CompletableFuture.failedFuture(new IllegalStateException(why));
        }
        long now = clock.instant().getEpochSecond();
        LimitVerdict t = tightest;
        for (LimitRule r : rs) {
            Map<Tenant, Double> byTenant = u.get(key(r.type(), r.resolution()));
            long used = byTenant == null ? 0 : Math.round(byTenant.getOrDefault(tenant, 0.0));
            long reset = r.resolution().secondsToReset(now);
            if (used >= r.value()) {
                return CompletableFuture.completedFuture(new LimitVerdict(false, r.type().label(), r.value(), 0, reset));
            }
            t = LocalLimiter.tighter(t, new LimitVerdict(true, r.type().label(), r.value(), r.value() - used - 1, reset));
        }
        return CompletableFuture.completedFuture(t);
    }

    @Override
    public boolean countsWrites(Tenant tenant) {
        return rules.get().countsWrites(tenant);
    }

    @Override
    public String unavailableReason() {
        return failure;
    }

    @Override
    public java.util.Set<Tenant> tenants() {
        return tracker.tenants();
    }

    @Override
    public long activeSeries(Tenant tenant) {
        return tracker.activeSeries(tenant);
    }

    @Override
    public long newSeries(Tenant tenant, Resolution resolution) {
        return tracker.newSeries(tenant, resolution);
    }
}

package io.tsgate.limits;

import io.tsgate.request.Tenant;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The {@code local} backend: counters and series sketches in this process, per tenant, in epoch-aligned windows of
 * the injected clock. Every call completes before it returns. A tenant's state is guarded by its own monitor, held
 * for a few counter updates (and, for series limits, a couple of sketch merges), so tenants never wait for each other.
 */
public final class LocalLimiter implements Limiter, SeriesEstimator {
    private final Clock clock;
    private final Supplier<LimitRules> rules;
    /** Longer than the oldest window or series sketch a state can hold (an hour window, two hours of sketches). */
    private static final long IDLE_SECONDS = 2 * 3600 + 60;
    private final ConcurrentHashMap<Tenant, TenantState> states = new ConcurrentHashMap<>();

    public LocalLimiter(Clock clock, Supplier<LimitRules> rules) {
        this.clock = clock;
        this.rules = rules;
    }

    @Override
    public CompletionStage<LimitVerdict> acquireQuery(Tenant tenant) {
        return CompletableFuture.completedFuture(acquireQueryNow(tenant));
    }

    LimitVerdict acquireQueryNow(Tenant tenant) {
        LimitRule[] rs = rules.get().forTenant(tenant, LimitType.QUERIES);
        if (rs.length == 0) {
            return LimitVerdict.UNLIMITED;
        }
        long now = Math.floorDiv(clock.millis(), 1000L);
        return withState(tenant, now, s -> {
            LimitVerdict refused = s.checkCounters(rs, now, 1);
            return refused != null ? refused : s.addCounters(rs, now, 1, null);
        });
    }

    @Override
    public CompletionStage<LimitVerdict> admitWrite(Tenant tenant, long rows, long[] seriesHashes) {
        return CompletableFuture.completedFuture(admitWriteNow(tenant, rows, seriesHashes));
    }

    /** Adds a write's series to the tenant's sketches without checking or counting anything else. */
    void recordSeries(Tenant tenant, long[] seriesHashes) {
        long now = Math.floorDiv(clock.millis(), 1000L);
        long minute = Math.floorDiv(now, 60);
        withState(tenant, now, s -> {
            s.series.add(minute, seriesHashes);
            return null;
        });
    }

    LimitVerdict admitWriteNow(Tenant tenant, long rows, long[] seriesHashes) {
        LimitRules r = rules.get();
        LimitRule[] rowRules = r.forTenant(tenant, LimitType.ROWS_INSERTED);
        LimitRule[] newRules = r.forTenant(tenant, LimitType.NEW_SERIES);
        LimitRule[] activeRules = r.forTenant(tenant, LimitType.ACTIVE_SERIES);
        if (rowRules.length == 0 && newRules.length == 0 && activeRules.length == 0) {
            return LimitVerdict.UNLIMITED;
        }
        long now = Math.floorDiv(clock.millis(), 1000L);
        long minute = Math.floorDiv(now, 60);
        return withState(tenant, now, s -> {
            LimitVerdict refused = s.checkCounters(rowRules, now, rows);
            if (refused != null) {
                return refused;
            }
            LimitVerdict tightest = null;
            for (LimitRule rule : activeRules) {
                long count = Math.round(s.series.active(minute, seriesHashes));
                LimitVerdict v = seriesVerdict(rule, count, Resolution.MINUTE.secondsToReset(now));
                if (!v.allowed()) {
                    return v;
                }
                tightest = tighter(tightest, v);
            }
            for (LimitRule rule : newRules) {
                long windowStart = rule.resolution().window(now) * rule.resolution().seconds() / 60;
                long count = Math.round(s.series.fresh(rule.resolution(), windowStart, minute, seriesHashes));
                LimitVerdict v = seriesVerdict(rule, count, rule.resolution().secondsToReset(now));
                if (!v.allowed()) {
                    return v;
                }
                tightest = tighter(tightest, v);
            }
            if (newRules.length > 0 || activeRules.length > 0) {
                s.series.add(minute, seriesHashes);
            }
            return s.addCounters(rowRules, now, rows, tightest);
        });
    }

    @Override
    public boolean countsWrites(Tenant tenant) {
        return rules.get().countsWrites(tenant);
    }

    @Override
    public long activeSeries(Tenant tenant) {
        TenantState s = states.get(tenant);
        if (s == null) {
            return 0;
        }
        synchronized (s) {
            return Math.round(s.series.active(Math.floorDiv(clock.instant().getEpochSecond(), 60), new long[0]));
        }
    }

    @Override
    public long newSeries(Tenant tenant, Resolution resolution) {
        TenantState s = states.get(tenant);
        if (s == null) {
            return 0;
        }
        long now = Math.floorDiv(clock.millis(), 1000L);
        synchronized (s) {
            long windowStart = resolution.window(now) * resolution.seconds() / 60;
            return Math.round(s.series.fresh(resolution, windowStart, Math.floorDiv(now, 60), new long[0]));
        }
    }

    @Override
    public java.util.Set<Tenant> tenants() {
        return states.keySet();
    }

    private static LimitVerdict seriesVerdict(LimitRule rule, long count, long reset) {
        if (count > rule.value()) {
            return new LimitVerdict(false, rule.type().label(), rule.value(), 0, reset);
        }
        return new LimitVerdict(true, rule.type().label(), rule.value(), rule.value() - count, reset);
    }

    static LimitVerdict tighter(LimitVerdict a, LimitVerdict b) {
        if (a == null) {
            return b;
        }
        if (b == null) {
            return a;
        }
        return b.remaining() < a.remaining() ? b : a;
    }

    /** Runs {@code body} holding the tenant's live state (never one {@link #evictIdle} just dropped). */
    private LimitVerdict withState(Tenant tenant, long now, java.util.function.Function<TenantState, LimitVerdict> body) {
        while (true) {
            TenantState s = states.computeIfAbsent(tenant, t -> new TenantState());
            synchronized (s) {
                if (!s.evicted) {
                    s.lastUsed = now;
                    return body.apply(s);
                }
            }
        }
    }

    /**
     * Drops the state of tenants idle for two hours (all their windows and series sketches have expired), so
     * memory follows the tenants in use; the gateway runs this every minute in the background.
     */
    public void evictIdle() {
        long now = Math.floorDiv(clock.millis(), 1000L);
        states.forEach((tenant, s) -> {
            synchronized (s) {
                if (now - s.lastUsed > IDLE_SECONDS) {
                    s.evicted = true;
                    states.remove(tenant, s);
                }
            }
        });
    }

    /** Counters per type and resolution (current window index and count) plus the series sketches. */
    private static final class TenantState {
        private final long[] window = new long[LimitType.values().length * Resolution.values().length];
        private final long[] count = new long[window.length];
        private final SeriesWindows series;
        private long lastUsed;
        private boolean evicted;

        TenantState() {
            java.util.Arrays.fill(window, Long.MIN_VALUE);
            this.series = new SeriesWindows();
        }

        private int slot(LimitRule r) {
            return r.type().ordinal() * Resolution.values().length + r.resolution().ordinal();
        }

        private long current(LimitRule r, long now) {
            int i = slot(r);
            long w = r.resolution().window(now);
            if (window[i] != w) {
                window[i] = w;
                count[i] = 0;
            }
            return count[i];
        }

        /** The refusal when adding {@code n} would go over one of {@code rules}, else null. */
        LimitVerdict checkCounters(LimitRule[] rules, long now, long n) {
            for (LimitRule r : rules) {
                long c = current(r, now);
                if (c + n > r.value()) {
                    return new LimitVerdict(false, r.type().label(), r.value(), 0, r.resolution().secondsToReset(now));
                }
            }
            return null;
        }

        LimitVerdict addCounters(LimitRule[] rules, long now, long n, LimitVerdict tightest) {
            LimitVerdict t = tightest;
            for (LimitRule r : rules) {
                int i = slot(r);
                long c = current(r, now) + n;
                count[i] = c;
                t = tighter(t, new LimitVerdict(true, r.type().label(), r.value(), r.value() - c,
                        r.resolution().secondsToReset(now)));
            }
            return t == null ? LimitVerdict.UNLIMITED : t;
        }
    }
}

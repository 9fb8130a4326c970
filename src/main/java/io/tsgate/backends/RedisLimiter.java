package io.tsgate.backends;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import java.util.concurrent.TimeUnit;
import io.tsgate.request.Tenant;
import io.tsgate.limits.LimitRule;
import io.tsgate.limits.LimitRules;
import io.tsgate.limits.LimitType;
import io.tsgate.limits.LimitVerdict;
import io.tsgate.limits.Limiter;
import io.tsgate.limits.Resolution;
import io.tsgate.limits.SeriesEstimator;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code redis} backend: one Lua script ({@code limit.lua}) checks and counts atomically in Redis, so every
 * replica sharing the Redis enforces one limit together. Calls are asynchronous (Lettuce): the stage completes on
 * Lettuce's event loop; commands from all callers share one connection and are pipelined. A tenant's keys carry the
 * hash tag {@code {tsgate:<account>:<project>}}, so with {@code -redis.clusterMode} each tenant lives in one slot.
 *
 * <p>A Redis that cannot be reached at start does not stop the gateway: it connects in the background.
 * While a standalone Redis is unreachable commands are rejected at once (not queued); in cluster mode they wait
 * for the node's connection. Either way a check fails after at most {@code -redis.timeout}, and
 * {@link io.tsgate.limits.FailSafeLimiter} turns the failure into the configured mode.
 */
public final class RedisLimiter implements Limiter, SeriesEstimator, AutoCloseable {
    private static final String SCRIPT = LimitScript.TEXT;
    private static final String SHA = LimitScript.SHA1;

    private static final Logger LOG = LoggerFactory.getLogger(RedisLimiter.class);

    private final Clock clock;
    private final Supplier<LimitRules> rules;
    private final Supplier<Connection> opener;
    private final Runnable shutdown;
    private volatile Connection connection;
    private volatile String lastError = "not connected yet";
    private volatile boolean closed;
    /** The series counts limit.lua returned on each tenant's last write: active, new per minute, new per hour. */
    private final java.util.concurrent.ConcurrentHashMap<Tenant, long[]> estimates =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** Scripting commands are the same interface for a standalone and a cluster connection. */
    private record Connection(RedisScriptingAsyncCommands<String, String> commands, BooleanSupplier open,
                              Runnable close) {
    }

    private RedisLimiter(Clock clock, Supplier<LimitRules> rules, Supplier<Connection> opener, Runnable shutdown) {
        this.clock = clock;
        this.rules = rules;
        this.opener = opener;
        this.shutdown = shutdown;
    }

    /** {@link #connect(String, boolean, Duration, Clock, Supplier, ScheduledExecutorService)} that fails at once. */
    public static RedisLimiter connect(String url, boolean cluster, Duration timeout, Clock clock,
                                       Supplier<LimitRules> rules) {
        return connect(url, cluster, timeout, clock, rules, null);
    }

    /**
     * Connects to {@code url} ({@code redis://[user:password@]host:port[/db]} or {@code rediss://…}). When Redis
     * cannot be reached at start and {@code retry} is given, the gateway starts anyway and connects from
     * {@code retry} every second; until then checks fail (so {@code -ratelimit.failureMode} decides) and
     * {@code /ready} says why. Without {@code retry} the failure is thrown. Later outages are survived by Lettuce's
     * reconnects.
     */
    public static RedisLimiter connect(String url, boolean cluster, Duration timeout, Clock clock,
                                       Supplier<LimitRules> rules, ScheduledExecutorService retry) {
        RedisURI uri = RedisURI.create(url);
        uri.setTimeout(timeout);
        // Reconnect attempts at most a second apart, so limits count again soon after Redis is back.
        ClientResources resources = DefaultClientResources.builder()
                .reconnectDelay(Delay.exponential(Duration.ofMillis(10), Duration.ofSeconds(1), 2, TimeUnit.MILLISECONDS))
                .build();
        TimeoutOptions timeouts = TimeoutOptions.builder().fixedTimeout(timeout).build();
        RedisLimiter limiter;
        if (cluster) {
            RedisClusterClient c = RedisClusterClient.create(resources, uri);
            // Node connections open lazily on first use, so rejecting commands while "disconnected" would refuse
            // the first command to every node: here they wait (at most -redis.timeout) for the connection instead.
            c.setOptions(ClusterClientOptions.builder().timeoutOptions(timeouts)
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.ACCEPT_COMMANDS).build());
            limiter = new RedisLimiter(clock, rules, () -> {
                StatefulRedisClusterConnection<String, String> conn = c.connect(StringCodec.UTF8);
                return new Connection(conn.async(), conn::isOpen, conn::close);
            }, () -> {
                c.shutdown();
                resources.shutdown();
            });
        } else {
            RedisClient c = RedisClient.create(resources, uri);
            c.setOptions(ClientOptions.builder().timeoutOptions(timeouts)
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS).build());
            limiter = new RedisLimiter(clock, rules, () -> {
                StatefulRedisConnection<String, String> conn = c.connect(StringCodec.UTF8);
                return new Connection(conn.async(), conn::isOpen, conn::close);
            }, () -> {
                c.shutdown();
                resources.shutdown();
            });
        }
        try {
            limiter.open();
        } catch (RuntimeException e) {
            if (retry == null) {
                limiter.close();
                throw e;
            }
            LOG.warn("cannot connect to -redis.url yet ({}); retrying every second, -ratelimit.failureMode applies "
                    + "meanwhile", e.getMessage());
            limiter.retryUntilConnected(retry);
        }
        return limiter;
    }

    private void open() {
        try {
            connection = opener.get();
            lastError = null;
        } catch (RuntimeException e) {
            lastError = "redis unreachable: " + e.getMessage();
            throw e;
        }
    }

    private void retryUntilConnected(ScheduledExecutorService retry) {
        retry.schedule(() -> {
            if (closed) {
                return;
            }
            try {
                open();
                LOG.info("connected to -redis.url");
            } catch (RuntimeException e) {
                retryUntilConnected(retry);
            }
        }, 1, TimeUnit.SECONDS);
    }

    /** The hash-tagged key prefix of {@code tenant}. */
    static String prefix(Tenant tenant) {
        return "{tsgate:" + tenant.accountId() + ":" + tenant.projectId() + "}";
    }

    @Override
    public CompletionStage<LimitVerdict> acquireQuery(Tenant tenant) {
        LimitRule[] rs = rules.get().forTenant(tenant, LimitType.QUERIES);
        if (rs.length == 0) {
            return CompletableFuture.completedFuture(LimitVerdict.UNLIMITED);
        }
        return run(tenant, 1, rs, null).thenApply(RedisLimiter::verdict);
    }

    @Override
    public CompletionStage<LimitVerdict> admitWrite(Tenant tenant, long rows, long[] seriesHashes) {
        LimitRules r = rules.get();
        LimitRule[] rowRules = r.forTenant(tenant, LimitType.ROWS_INSERTED);
        LimitRule[] newRules = r.forTenant(tenant, LimitType.NEW_SERIES);
        LimitRule[] activeRules = r.forTenant(tenant, LimitType.ACTIVE_SERIES);
        int count = rowRules.length + newRules.length + activeRules.length;
        if (count == 0) {
            return CompletableFuture.completedFuture(LimitVerdict.UNLIMITED);
        }
        LimitRule[] all = new LimitRule[count];
        System.arraycopy(rowRules, 0, all, 0, rowRules.length);
        System.arraycopy(newRules, 0, all, rowRules.length, newRules.length);
        System.arraycopy(activeRules, 0, all, rowRules.length + newRules.length, activeRules.length);
        boolean series = newRules.length + activeRules.length > 0;
        CompletionStage<List<Object>> reply = run(tenant, rows, all, series ? seriesHashes : null);
        if (!series) {
            return reply.thenApply(RedisLimiter::verdict);
        }
        return reply.thenApply(out -> {
            long[] e = {(Long) out.get(5), (Long) out.get(6), (Long) out.get(7)};
            long[] old = estimates.get(tenant);
            for (int i = 0; i < e.length; i++) {
                if (e[i] < 0 && old != null) {
                    e[i] = old[i];
                }
            }
            estimates.put(tenant, e);
            return verdict(out);
        });
    }

    private CompletionStage<List<Object>> run(Tenant tenant, long n, LimitRule[] rs, long[] hashes) {
        int h = hashes == null ? 0 : hashes.length;
        String[] args = new String[3 + rs.length * 3 + h];
        args[0] = Long.toString(n);
        args[1] = Long.toString(clock.instant().getEpochSecond());
        args[2] = Integer.toString(rs.length);
        for (int i = 0; i < rs.length; i++) {
            args[3 + i * 3] = rs[i].type().label();
            args[4 + i * 3] = Long.toString(rs[i].resolution().seconds());
            args[5 + i * 3] = Long.toString(rs[i].value());
        }
        for (int i = 0; i < h; i++) {
            args[3 + rs.length * 3 + i] = Long.toHexString(hashes[i]);
        }
        Connection conn = connection;
        if (conn == null) {
            return CompletableFuture.failedFuture(new IllegalStateException(lastError));
        }
        RedisScriptingAsyncCommands<String, String> redis = conn.commands();
        String[] keys = {prefix(tenant)};
        CompletableFuture<List<Object>> reply = new CompletableFuture<>();
        redis.<List<Object>>evalsha(SHA, ScriptOutputType.MULTI, keys, args).whenComplete((r, e) -> {
            if (e == null) {
                reply.complete(r);
            } else if (rootCause(e) instanceof RedisNoScriptException) {
                // A restarted Redis has an empty script cache: send the script itself once, which caches it again.
                redis.<List<Object>>eval(SCRIPT, ScriptOutputType.MULTI, keys, args).whenComplete((r2, e2) -> {
                    if (e2 == null) {
                        reply.complete(r2);
                    } else {
                        reply.completeExceptionally(e2);
                    }
                });
            } else {
                reply.completeExceptionally(e);
            }
        });
        return reply;
    }

    @Override
    public java.util.Set<Tenant> tenants() {
        return estimates.keySet();
    }

    /** As of the tenant's last write with a series limit (0 when none). */
    @Override
    public long activeSeries(Tenant tenant) {
        long[] e = estimates.get(tenant);
        return e == null ? 0 : Math.max(0, e[0]);
    }

    /** As of the tenant's last write with a new_series limit of {@code resolution} (0 when none). */
    @Override
    public long newSeries(Tenant tenant, Resolution resolution) {
        long[] e = estimates.get(tenant);
        return e == null ? 0 : Math.max(0, e[resolution == Resolution.MINUTE ? 1 : 2]);
    }

    private static Throwable rootCause(Throwable e) {
        Throwable t = e;
        while (t instanceof java.util.concurrent.CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    static LimitVerdict verdict(List<Object> r) {
        boolean allowed = ((Long) r.get(0)) == 1L;
        String type = String.valueOf(r.get(1));
        long limit = (Long) r.get(2);
        if (allowed && limit < 0) {
            return LimitVerdict.UNLIMITED;
        }
        return new LimitVerdict(allowed, type, limit, Math.max(0, (Long) r.get(3)), (Long) r.get(4));
    }

    @Override
    public boolean countsWrites(Tenant tenant) {
        return rules.get().countsWrites(tenant);
    }

    @Override
    public String unavailableReason() {
        Connection conn = connection;
        if (conn == null) {
            return lastError;
        }
        return conn.open().getAsBoolean() ? null : "redis unreachable (reconnecting)";
    }

    @Override
    public void close() {
        closed = true;
        Connection conn = connection;
        if (conn != null) {
            conn.close().run();
        }
        shutdown.run();
    }
}

package io.tsgate;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tsgate.backends.LimitFileSource;
import io.tsgate.backends.PromQlUsageSource;
import io.tsgate.backends.RedisLimiter;
import io.tsgate.config.ConfigException;
import io.tsgate.config.LimitsConfig;
import io.tsgate.limits.DatasourceLimiter;
import io.tsgate.limits.DatasourceQueries;
import io.tsgate.limits.FailSafeLimiter;
import io.tsgate.limits.InvalidLimitFileException;
import io.tsgate.limits.ConfigReloadGauges;
import io.tsgate.limits.LimitFileReloader;
import io.tsgate.limits.Limiter;
import io.tsgate.limits.LocalLimiter;
import io.tsgate.limits.MeteredLimiter;
import io.tsgate.limits.SeriesEstimator;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the limiter {@code -enable.rateLimit} asks for: the limit file and its reloads (SIGHUP and
 * {@code -ratelimit.configCheckInterval}), the chosen backend, the failure mode and per-tenant metrics around it,
 * and the background refresh of the datasource backend. Closing stops all of it.
 */
public final class RateLimits implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RateLimits.class);

    private final Limiter limiter;
    private final LimitFileReloader file;
    private final List<AutoCloseable> closeables;

    private RateLimits(Limiter limiter, LimitFileReloader file, List<AutoCloseable> closeables) {
        this.limiter = limiter;
        this.file = file;
        this.closeables = closeables;
    }

    /** Null when rate limits are off. */
    public static RateLimits start(LimitsConfig config, Clock clock, PrometheusRegistry registry,
                                   ConfigReloadGauges reloads)
            throws ConfigException {
        if (!config.enabled()) {
            return null;
        }
        LimitFileReloader file;
        LimitFileSource source = new LimitFileSource(config.location());
        try {
            file = LimitFileReloader.load(source, clock, reloads);
        } catch (InvalidLimitFileException e) {
            throw new ConfigException(e.getMessage());
        }
        List<AutoCloseable> closeables = new ArrayList<>();
        // Rate limits' own thread: datasource queries, limit files from URLs and Redis reconnects wait on the
        // network, and must not delay key and API key refreshes on the gateway's shared background thread.
        ScheduledExecutorService background = DaemonScheduler.named("tsgate-limits");
        closeables.add(background::shutdownNow);
        Limiter backend;
        SeriesEstimator series = null;
        String name = config.backend().name().toLowerCase(java.util.Locale.ROOT);
        switch (config.backend()) {
            case LOCAL -> {
                LocalLimiter local = new LocalLimiter(clock, file);
                background.scheduleWithFixedDelay(local::evictIdle, 1, 1, TimeUnit.MINUTES);
                backend = local;
                series = local;
            }
            case REDIS -> {
                RedisLimiter redis;
                try {
                    redis = RedisLimiter.connect(config.redisUrl(), config.redisCluster(), config.redisTimeout(), clock, file,
                            background);
                } catch (RuntimeException e) {
                    background.shutdownNow();
                    throw new ConfigException("-redis.url: " + e.getMessage());
                }
                closeables.add(redis);
                backend = redis;
                series = redis;
            }
            default -> {
                DatasourceLimiter ds = new DatasourceLimiter(clock, file, new PromQlUsageSource(config.datasource()),
                        new DatasourceQueries(config.queryOverrides(), config.extraLabels()));
                long every = config.refreshInterval().toMillis();
                background.scheduleWithFixedDelay(ds::refresh, 0, every, TimeUnit.MILLISECONDS);
                background.scheduleWithFixedDelay(ds::evictIdle, 1, 1, TimeUnit.MINUTES);
                backend = ds;
                series = ds;
            }
        }
        FailSafeLimiter failSafe = new FailSafeLimiter(backend, name, config.failureMode(), registry);
        // An outage is reported by metric and log line, not by readiness: tsgate decides without its backend.
        background.scheduleWithFixedDelay(failSafe::probe, 1, 1, TimeUnit.SECONDS);
        Limiter limiter = new MeteredLimiter(failSafe, series, registry);
        closeables.add(HangupSignal.onHangup(() -> background.execute(file::reload)));
        long check = config.checkInterval().toMillis();
        if (check > 0) {
            background.scheduleWithFixedDelay(file::reload, check, check, TimeUnit.MILLISECONDS);
        }
        LOG.info("rate limits on: backend {}, failure mode {}, {} from {}", name,
                config.failureMode().name().toLowerCase(java.util.Locale.ROOT), file.get(), source.name());
        return new RateLimits(limiter, file, closeables);
    }

    public Limiter limiter() {
        return limiter;
    }

    /** Reloads the limit file now (what SIGHUP does). */
    public boolean reload() {
        return file.reload();
    }

    @Override
    public void close() {
        for (AutoCloseable c : closeables) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.debug("closing rate limits: {}", e.toString());
            }
        }
    }
}

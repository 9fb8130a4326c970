package io.tsgate.config;

import io.tsgate.limits.DatasourceQueries;
import io.tsgate.limits.FailureMode;
import io.tsgate.limits.LimitType;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Rate-limit flags ({@code -enable.rateLimit}, {@code -ratelimit.*}, {@code -redis.*}, {@code -datasource.*}),
 * validated together: a backend that is chosen must be fully configured.
 *
 * @param redisUrl a secret (may hold a password), masked by toString
 */
public record LimitsConfig(boolean enabled, String location, Duration checkInterval, Backend backend,
                           FailureMode failureMode, Duration refreshInterval, List<String> extraLabels,
                           Map<LimitType, String> queryOverrides, String redisUrl, boolean redisCluster,
                           Duration redisTimeout, DatasourceConfig datasource) {

    /** {@code -ratelimit.backend}. */
    public enum Backend { LOCAL, REDIS, DATASOURCE }

    public static LimitsConfig from(FlagValues f) throws ConfigException {
        boolean enabled = f.bool("enable.rateLimit");
        String location = f.string("ratelimit.config").trim();
        if (enabled && location.isEmpty()) {
            throw new ConfigException("-enable.rateLimit needs -ratelimit.config (a limit file path or URL)");
        }
        if (!enabled && !location.isEmpty()) {
            throw new ConfigException("-ratelimit.config is set but -enable.rateLimit is not: set -enable.rateLimit "
                    + "to enforce the limits, or drop -ratelimit.config");
        }
        DatasourceConfig datasource = DatasourceConfig.from(f);
        Backend backend = backend(f);
        FailureMode mode = switch (f.string("ratelimit.failureMode").trim().toLowerCase(Locale.ROOT)) {
            case "open" -> FailureMode.OPEN;
            case "closed" -> FailureMode.CLOSED;
            default -> throw new ConfigException("-ratelimit.failureMode: want open or closed, got \""
                    + f.string("ratelimit.failureMode") + "\"");
        };
        Duration check = f.duration("ratelimit.configCheckInterval");
        if (check.isNegative()) {
            throw new ConfigException("-ratelimit.configCheckInterval: must not be negative");
        }
        Duration refresh = f.positiveDuration("ratelimit.refreshInterval");
        Duration redisTimeout = f.positiveDuration("redis.timeout");
        List<String> extra = f.list("ratelimit.extraLabels");
        for (String kv : extra) {
            if (!DatasourceQueries.validLabel(kv)) {
                throw new ConfigException("-ratelimit.extraLabels: want name=value with a Prometheus label name, got \""
                        + kv + "\"");
            }
        }
        Map<LimitType, String> overrides = new EnumMap<>(LimitType.class);
        for (LimitType t : LimitType.values()) {
            String q = f.string("ratelimit.query." + t.label()).trim();
            if (!q.isEmpty()) {
                overrides.put(t, q);
            }
        }
        String redisUrl = f.redisUrl("redis.url");
        if (enabled && backend == Backend.REDIS && redisUrl.isEmpty()) {
            throw new ConfigException("-ratelimit.backend=redis needs -redis.url");
        }
        if (enabled && backend == Backend.DATASOURCE && datasource.url().isEmpty()) {
            throw new ConfigException("-ratelimit.backend=datasource needs -datasource.url");
        }
        return new LimitsConfig(enabled, location, check, backend, mode, refresh, extra, Map.copyOf(overrides),
                redisUrl, f.bool("redis.clusterMode"), redisTimeout, datasource);
    }

    /**
     * {@code -ratelimit.backend}; when it is not given, {@code -datasource.url} selects the datasource backend, as
     * vmgateway's limits always come from its datasource. A {@code -datasource.url} that no backend would use stops
     * start-up: it must never be taken and silently ignored.
     */
    private static Backend backend(FlagValues f) throws ConfigException {
        boolean datasourceUrl = !f.string("datasource.url").isBlank();
        if (datasourceUrl && !f.bool("enable.rateLimit")) {
            throw new ConfigException("-datasource.url is set but -enable.rateLimit is not: tsgate reads "
                    + "-datasource.url only for rate limits; set -enable.rateLimit and -ratelimit.config, or drop "
                    + "-datasource.url");
        }
        if (!f.isSet("ratelimit.backend")) {
            return datasourceUrl ? Backend.DATASOURCE : Backend.LOCAL;
        }
        Backend backend = switch (f.string("ratelimit.backend").trim()) {
            case "local" -> Backend.LOCAL;
            case "redis" -> Backend.REDIS;
            case "datasource" -> Backend.DATASOURCE;
            default -> throw new ConfigException("-ratelimit.backend: want local, redis or datasource, got \""
                    + f.string("ratelimit.backend") + "\"");
        };
        if (datasourceUrl && backend != Backend.DATASOURCE) {
            throw new ConfigException("-datasource.url is set but -ratelimit.backend=" + f.string("ratelimit.backend")
                    .trim() + " does not read it: drop -datasource.url, or use -ratelimit.backend=datasource");
        }
        return backend;
    }

    @Override
    public String toString() {
        return "LimitsConfig[enabled=" + enabled + ", location=" + location.replaceFirst("^(https?://)[^/@]*@", "$1****@")
                + ", backend=" + backend
                + ", failureMode=" + failureMode + ", redisUrl=" + (redisUrl.isEmpty() ? "" : "****") + "]";
    }
}

package io.tsgate.limits;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * The reload metrics of every file tsgate re-reads, one {@code config} label each (vmauth's
 * {@code reloadAuthConfigData} is the model): {@code tsgate_config_last_reload_successful},
 * {@code tsgate_config_last_reload_success_timestamp_seconds} and {@code tsgate_config_reload_errors_total}. A
 * registry holds a metric name once, so the limit file and the TLS files share one instance per registry.
 */
public final class ConfigReloadGauges {
    private final Map<String, Tracked> configs = new ConcurrentSkipListMap<>();

    private record Tracked(BooleanSupplier lastOk, LongSupplier lastSuccessEpochSecond, LongSupplier failures) {
    }

    public ConfigReloadGauges(PrometheusRegistry registry) {
        GaugeWithCallback.builder().name("tsgate_config_last_reload_successful")
                .help("1 when the last reload of a config file succeeded (config=ratelimit: -ratelimit.config; "
                        + "config=tls: -tlsCertFile, -tlsKeyFile, -tlsCAFile)")
                .labelNames("config")
                .callback(cb -> configs.forEach((name, t) -> cb.call(t.lastOk().getAsBoolean() ? 1 : 0, name)))
                .register(registry);
        GaugeWithCallback.builder().name("tsgate_config_last_reload_success_timestamp_seconds")
                .help("When a config file was last loaded successfully")
                .labelNames("config")
                .callback(cb -> configs.forEach((name, t) -> cb.call(t.lastSuccessEpochSecond().getAsLong(), name)))
                .register(registry);
        CounterWithCallback.builder().name("tsgate_config_reload_errors_total")
                .help("Reloads of a config file that failed (the previous config stays in force)")
                .labelNames("config")
                .callback(cb -> configs.forEach((name, t) -> cb.call(t.failures().getAsLong(), name)))
                .register(registry);
    }

    /** Exports one config's state under {@code config="<name>"}; the suppliers are read at each scrape. */
    public void track(String name, BooleanSupplier lastOk, LongSupplier lastSuccessEpochSecond, LongSupplier failures) {
        configs.put(name, new Tracked(lastOk, lastSuccessEpochSecond, failures));
    }
}

package io.tsgate.reload;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * {@code tsgate_config_last_reload_successful{config}}, {@code tsgate_config_last_reload_success_timestamp_seconds{config}}
 * and {@code tsgate_config_reload_errors_total{config}} for every reloadable file. One instance per registry, made
 * by the gateway's wiring and handed to each reloader, since a metric name can be registered once.
 */
public final class ReloadMetrics {
    private final Map<String, Tracker> trackers = new ConcurrentSkipListMap<>();
    private final Counter failures;

    /** The state of one config file's reloads. */
    public static final class Tracker {
        private final String config;
        private final Counter failures;
        private volatile boolean lastOk = true;
        private volatile long lastSuccessEpochSecond;

        private Tracker(String config, Counter failures, long now) {
            this.config = config;
            this.failures = failures;
            this.lastSuccessEpochSecond = now;
            failures.labelValues(config);
        }

        /** A reload (or the first load) at {@code epochSecond} worked. */
        public void succeeded(long epochSecond) {
            lastOk = true;
            lastSuccessEpochSecond = epochSecond;
        }

        /** A reload failed; the previous config stays in force. */
        public void failed() {
            lastOk = false;
            failures.labelValues(config).inc();
        }

        public boolean lastOk() {
            return lastOk;
        }
    }

    public ReloadMetrics(PrometheusRegistry registry) {
        GaugeWithCallback.builder().name("tsgate_config_last_reload_successful")
                .help("1 when the last reload of a config file succeeded (config=ratelimit: -ratelimit.config, "
                        + "config=access_rules: -auth.accessRules, config=tls: the -tls* certificate, key and CA files)")
                .labelNames("config")
                .callback(cb -> trackers.forEach((c, t) -> cb.call(t.lastOk ? 1 : 0, c))).register(registry);
        GaugeWithCallback.builder().name("tsgate_config_last_reload_success_timestamp_seconds")
                .help("When a config file was last loaded successfully")
                .labelNames("config")
                .callback(cb -> trackers.forEach((c, t) -> cb.call(t.lastSuccessEpochSecond, c))).register(registry);
        this.failures = Counter.builder().name("tsgate_config_reload_errors_total")
                .help("Reloads of a config file that failed (the previous config stays in force)")
                .labelNames("config").register(registry);
    }

    /** The tracker of {@code config} (a label value), loaded successfully at {@code epochSecond}. */
    public Tracker track(String config, long epochSecond) {
        return trackers.computeIfAbsent(config, c -> new Tracker(c, failures, epochSecond));
    }
}

package io.tsgate;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.Info;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tsgate.log.LogSettings;
import org.slf4j.event.Level;

/**
 * Metrics about the process rather than its decisions: build info, the JVM's and the process's own ({@code jvm_*},
 * {@code process_*}, from prometheus-metrics-instrumentation-jvm) and the log lines the per-second caps suppressed.
 */
final class ProcessMetrics {
    private ProcessMetrics() {
    }

    static void register(PrometheusRegistry registry, BuildInfo build) {
        Info info = Info.builder().name("tsgate_build_info")
                .help("tsgate's version and git revision; always 1").labelNames("version", "revision").register(registry);
        info.addLabelValues(build.version(), build.revision());
        JvmMetrics.builder().register(registry);
        CounterWithCallback.builder().name("tsgate_log_lines_suppressed_total")
                .help("Log lines not written because -loggerWarnsPerSecondLimit or -loggerErrorsPerSecondLimit was reached, by level")
                .labelNames("level")
                .callback(cb -> {
                    cb.call(LogSettings.suppressed(Level.WARN), "warn");
                    cb.call(LogSettings.suppressed(Level.ERROR), "error");
                })
                .register(registry);
    }
}

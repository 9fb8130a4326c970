package io.tsgate;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.Info;
import io.prometheus.metrics.instrumentation.jvm.JvmBufferPoolMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmClassLoadingMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmCompilationMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmGarbageCollectorMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmMemoryMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmRuntimeInfoMetric;
import io.prometheus.metrics.instrumentation.jvm.JvmThreadsMetrics;
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
        // JvmMetrics.register would also add JvmMemoryPoolAllocationMetrics, whose GC listener, like JvmMetrics'
        // own static set of registries, outlives a closed gateway (tests start many in one JVM): the rest, one by one.
        JvmThreadsMetrics.builder().register(registry);
        JvmBufferPoolMetrics.builder().register(registry);
        JvmClassLoadingMetrics.builder().register(registry);
        JvmCompilationMetrics.builder().register(registry);
        JvmGarbageCollectorMetrics.builder().register(registry);
        JvmMemoryMetrics.builder().register(registry);
        JvmRuntimeInfoMetric.builder().register(registry);
        io.prometheus.metrics.instrumentation.jvm.ProcessMetrics.builder().register(registry);
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

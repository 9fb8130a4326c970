package io.tsgate;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProcessMetricsTest {
    @Test
    void buildInfoJvmAndProcessMetricsAreExported() throws Exception {
        PrometheusRegistry registry = new PrometheusRegistry();
        ProcessMetrics.register(registry, new BuildInfo("1.2.3", "0123456789ab"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, registry.scrape());
        String page = out.toString(StandardCharsets.UTF_8);
        assertTrue(page.contains("tsgate_build_info{revision=\"0123456789ab\",version=\"1.2.3\"} 1"), page);
        for (String name : new String[] {"jvm_memory_used_bytes{area=\"heap\"}", "jvm_threads_current ",
            "jvm_gc_collection_seconds_count", "process_cpu_seconds_total ", "process_open_fds ",
            "process_start_time_seconds ", "tsgate_log_lines_suppressed_total{level=\"warn\"} "}) {
            assertTrue(page.contains(name), name + " in\n" + page);
        }
    }

    @Test
    void theBuildSaysWhichVersionAndRevisionItIs() {
        // Maven filters build.properties and writes build-revision before tests run.
        BuildInfo b = BuildInfo.current();
        assertNotEquals("dev", b.version());
        assertTrue(b.revision().matches("[0-9a-f]{12}|unknown"), b.revision());
        assertTrue(b.line().startsWith("tsgate " + b.version() + " (revision "), b.line());
    }
}

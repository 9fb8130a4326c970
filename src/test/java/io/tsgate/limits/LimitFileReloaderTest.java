package io.tsgate.limits;

import io.tsgate.testing.MutableClock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tsgate.request.Tenant;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LimitFileReloaderTest {
    private static final Tenant T = new Tenant(0, 0);
    @TempDir
    Path dir;
    private final PrometheusRegistry registry = new PrometheusRegistry();

    private LimitFileReloader.Source file(Path p) {
        return new LimitFileReloader.Source() {
            @Override
            public String read() throws Exception {
                return Files.readString(p);
            }

            @Override
            public String name() {
                return p.toString();
            }
        };
    }

    private String metrics() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, registry.scrape());
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void reloadSwapsValidFilesAndKeepsTheOldLimitsOnAnInvalidOne() throws Exception {
        Path p = dir.resolve("limits.yaml");
        Files.writeString(p, "limits: [{type: queries, value: 3, resolution: minute}]");
        LimitFileReloader r = LimitFileReloader.load(file(p), new MutableClock(Instant.EPOCH), registry);
        assertEquals(3, r.get().forTenant(T, LimitType.QUERIES)[0].value());
        assertTrue(metrics().contains("tsgate_config_last_reload_successful{config=\"ratelimit\"} 1"));

        Files.writeString(p, "limits: [{type: queries, value: 5, resolution: minute}]");
        assertTrue(r.reload());
        assertEquals(5, r.get().forTenant(T, LimitType.QUERIES)[0].value());

        Files.writeString(p, "limits: [{type: queries, value: 9, resolution: fortnight}]");
        assertFalse(r.reload());
        assertEquals(5, r.get().forTenant(T, LimitType.QUERIES)[0].value(), "old limits stay");
        assertTrue(metrics().contains("tsgate_config_last_reload_successful{config=\"ratelimit\"} 0"));
        assertTrue(metrics().contains("tsgate_config_reload_errors_total{config=\"ratelimit\"} 1.0"));

        Files.delete(p);
        assertFalse(r.reload(), "a missing file is a failed reload too");
        assertEquals(5, r.get().forTenant(T, LimitType.QUERIES)[0].value());

        Files.writeString(p, "limits: []");
        assertTrue(r.reload());
        assertEquals(0, r.get().forTenant(T, LimitType.QUERIES).length);
        assertTrue(metrics().contains("tsgate_config_last_reload_successful{config=\"ratelimit\"} 1"));
    }

    @Test
    void anInvalidFileAtStartIsAnError() throws Exception {
        Path p = dir.resolve("bad.yaml");
        Files.writeString(p, "limits: [{type: queries}]");
        InvalidLimitFileException e = assertThrows(InvalidLimitFileException.class,
                () -> LimitFileReloader.load(file(p), new MutableClock(Instant.EPOCH), registry));
        assertTrue(e.getMessage().contains("limits[0]"), e.getMessage());
    }
}

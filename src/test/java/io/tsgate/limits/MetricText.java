package io.tsgate.limits;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads samples back from a registry's text exposition, as a scrape would see them. */
final class MetricText {
    private MetricText() {
    }

    static String scrape(PrometheusRegistry registry) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            PrometheusTextFormatWriter.create().write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** The value of the one sample of {@code metric} whose label text is exactly {@code labels}; NaN when absent. */
    static double value(PrometheusRegistry registry, String metric, String labels) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(metric + "{" + labels + "}") + " (\\S+)$")
                .matcher(scrape(registry));
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }
}

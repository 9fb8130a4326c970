package io.tsgate.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Go-style durations as VictoriaMetrics tools accept them: {@code 1h30m}, {@code 10s}, {@code 250ms}. */
public final class Durations {
    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h|d)");

    private Durations() {
    }

    /** Parsed duration, or null when the text is not one. */
    public static Duration parse(String text) {
        String t = text.trim();
        if (t.equals("0")) {
            return Duration.ZERO;
        }
        Matcher m = PART.matcher(t);
        int pos = 0;
        double millis = 0;
        while (pos < t.length()) {
            if (!m.find(pos) || m.start() != pos) {
                return null;
            }
            double v = Double.parseDouble(m.group(1));
            millis += v * switch (m.group(2)) {
                case "ms" -> 1;
                case "s" -> 1_000;
                case "m" -> 60_000;
                case "h" -> 3_600_000;
                default -> 86_400_000;
            };
            pos = m.end();
        }
        return pos == 0 ? null : Duration.ofMillis(Math.round(millis));
    }
}

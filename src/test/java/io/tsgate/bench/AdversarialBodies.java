package io.tsgate.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.GZIPOutputStream;

/**
 * Write bodies built to cost the counters as much as a body of their size can: lines made of one 300,000-digit
 * value (the number check scans every digit; a backtracking check scans them again for every position when the line
 * ends in a character no number takes, as the last line here does) and label or tag values of backslashes (each an
 * escape to undo). Gzip shrinks them about a thousandfold, so the largest decoded body
 * ({@code -ingest.maxDecodedBytes}) travels in a few dozen kilobytes: the worst case per byte sent.
 */
public final class AdversarialBodies {
    /** Digits in one value: the figure a public report used. */
    public static final int DIGITS = 300_000;

    /** One write: where it goes, its Content-Encoding and the bytes sent. */
    public record Body(String name, String path, String contentEncoding, byte[] bytes, int decodedBytes) {
    }

    private AdversarialBodies() {
    }

    /** Every shape, each decoding to at most {@code maxDecodedBytes}. */
    public static List<Body> all(int maxDecodedBytes) {
        return List.of(prometheusDigits(maxDecodedBytes), influxBackslashes(maxDecodedBytes), csvDigits(maxDecodedBytes));
    }

    /** Prometheus text: {@code m{a="1"} 999…9} lines, the last ending in {@code x}. */
    public static Body prometheusDigits(int maxDecodedBytes) {
        return gzipped("prometheus-digits", "/api/v1/import/prometheus",
                lines(maxDecodedBytes, "m{a=\"1\"} ", DIGITS, ""));
    }

    /** Influx line protocol: a tag value of escaped backslashes and a field of digits per line, the last ending in x. */
    public static Body influxBackslashes(int maxDecodedBytes) {
        String tag = "\\\\".repeat(DIGITS / 2);
        return gzipped("influx-backslashes", "/influx/write", lines(maxDecodedBytes, "m,t=" + tag + " f=", DIGITS, ""));
    }

    /** CSV with one metric column: a value of digits per line, the last ending in x. */
    public static Body csvDigits(int maxDecodedBytes) {
        return gzipped("csv-digits", "/api/v1/import/csv?format=1:metric:m", lines(maxDecodedBytes, "", DIGITS, ""));
    }

    /** As many {@code prefix + digits + suffix} lines as fit in {@code max} bytes; the last value ends in 'x'. */
    private static byte[] lines(int max, String prefix, int digits, String suffix) {
        String line = prefix + "9".repeat(digits) + suffix + "\n";
        int n = Math.max(1, (max - 1) / line.length());
        StringBuilder b = new StringBuilder(n * line.length() + 1);
        for (int i = 0; i < n; i++) {
            b.append(line);
        }
        b.insert(b.length() - 1 - suffix.length(), 'x');
        return b.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static Body gzipped(String name, String path, byte[] plain) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(plain);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Body(name, path, "gzip", out.toByteArray(), plain.length);
    }
}

package io.tsgate.parity;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What VictoriaMetrics stored, read from {@code /api/v1/export} as bytes: label values may hold any bytes and the
 * export writes them unescaped apart from JSON's specials (quicktemplate's {@code appendJSONString}), so decoding the
 * response as UTF-8 would merge series that differ only in invalid bytes.
 *
 * @param labels  each stored label, name and value bytes, in export order
 * @param samples the number of timestamps exported for the series
 */
public record ExportedSeries(List<byte[][]> labels, int samples) {
    private static final byte[] METRIC = "{\"metric\":{".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TIMESTAMPS = "\"timestamps\":[".getBytes(StandardCharsets.US_ASCII);

    /** The value of label {@code name}, or null. */
    public byte[] label(String name) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        for (byte[][] l : labels) {
            if (java.util.Arrays.equals(l[0], n)) {
                return l[1];
            }
        }
        return null;
    }

    /** The labels as one comparable string (ISO-8859-1, one char per byte), for distinct-series sets. */
    public String identity() {
        StringBuilder s = new StringBuilder();
        for (byte[][] l : labels) {
            s.append(new String(l[0], StandardCharsets.ISO_8859_1)).append('\u0000')
                    .append(new String(l[1], StandardCharsets.ISO_8859_1)).append('\u0001');
        }
        return s.toString();
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("{");
        for (byte[][] l : labels) {
            if (s.length() > 1) {
                s.append(',');
            }
            s.append(Bytes.printable(l[0])).append("=\"").append(Bytes.printable(l[1])).append('"');
        }
        return s.append("} x").append(samples).toString();
    }

    /** Parses every line of an export response. */
    public static List<ExportedSeries> parse(byte[] body) {
        List<ExportedSeries> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= body.length; i++) {
            if (i == body.length || body[i] == '\n') {
                if (i > start) {
                    out.add(line(body, start, i));
                }
                start = i + 1;
            }
        }
        return out;
    }

    /** Groups series by the value of {@code label} (ISO-8859-1); series without it are under "". */
    public static Map<String, List<ExportedSeries>> byLabel(List<ExportedSeries> series, String label) {
        Map<String, List<ExportedSeries>> out = new LinkedHashMap<>();
        for (ExportedSeries s : series) {
            byte[] v = s.label(label);
            String key = v == null ? "" : new String(v, StandardCharsets.ISO_8859_1);
            out.computeIfAbsent(key, k -> new ArrayList<>()).add(s);
        }
        return out;
    }

    private static ExportedSeries line(byte[] b, int from, int to) {
        int[] pos = {from};
        expect(b, pos, METRIC);
        List<byte[][]> labels = new ArrayList<>();
        while (b[pos[0]] != '}') {
            if (!labels.isEmpty()) {
                expect(b, pos, new byte[] {','});
            }
            byte[] name = string(b, pos);
            expect(b, pos, new byte[] {':'});
            labels.add(new byte[][] {name, string(b, pos)});
        }
        int ts = indexOf(b, TIMESTAMPS, pos[0], to);
        if (ts < 0) {
            throw new IllegalStateException("export line without timestamps: " + Bytes.printable(
                    java.util.Arrays.copyOfRange(b, from, to)));
        }
        int samples = 0;
        boolean digits = false;
        for (int i = ts + TIMESTAMPS.length; i < to && b[i] != ']'; i++) {
            if (b[i] == ',') {
                samples++;
            } else {
                digits = true;
            }
        }
        return new ExportedSeries(labels, digits ? samples + 1 : 0);
    }

    /** A JSON string as quicktemplate writes it; returns the raw bytes it stands for. */
    private static byte[] string(byte[] b, int[] pos) {
        expect(b, pos, new byte[] {'"'});
        Bytes out = new Bytes();
        int i = pos[0];
        while (b[i] != '"') {
            if (b[i] != '\\') {
                out.octet(b[i++]);
                continue;
            }
            char e = (char) b[i + 1];
            switch (e) {
                case 'n' -> out.octet('\n');
                case 'r' -> out.octet('\r');
                case 't' -> out.octet('\t');
                case '"', '\\', '/' -> out.octet(e);
                case 'u' -> {
                    int cp = Integer.parseInt(new String(b, i + 2, 4, StandardCharsets.US_ASCII), 16);
                    if (cp >= 0x80) {
                        throw new IllegalStateException("export escaped a non-ASCII code point: " + cp);
                    }
                    out.octet(cp);
                    i += 4;
                }
                default -> throw new IllegalStateException("unexpected escape \\" + e + " in export");
            }
            i += 2;
        }
        pos[0] = i + 1;
        return out.toArray();
    }

    private static void expect(byte[] b, int[] pos, byte[] what) {
        for (int k = 0; k < what.length; k++) {
            if (b[pos[0] + k] != what[k]) {
                throw new IllegalStateException("export: expected " + new String(what, StandardCharsets.ISO_8859_1)
                        + " at " + pos[0]);
            }
        }
        pos[0] += what.length;
    }

    private static int indexOf(byte[] b, byte[] what, int from, int to) {
        outer:
        for (int i = from; i + what.length <= to; i++) {
            for (int k = 0; k < what.length; k++) {
                if (b[i + k] != what[k]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}

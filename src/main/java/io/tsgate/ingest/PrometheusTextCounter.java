package io.tsgate.ingest;

import java.util.Map;

/**
 * Prometheus text exposition ({@code /api/v1/import/prometheus}), read on the bytes as VictoriaMetrics reads them
 * (lib/protoparser/prometheus/parser.go at v1.79.5, 3282829e, and at b7ef6cc3): lines split at '\n', one trailing
 * '\r' dropped, blank lines and lines whose first non-blank byte is '#' skipped, blanks being ' ' and '\t'. Names
 * and values are kept as raw bytes, invalid UTF-8 included, so two byte strings VictoriaMetrics stores apart never
 * count as one series. A label value unescapes {@code \\}, {@code \"} and {@code \n} only; any other backslash pair
 * is kept as written, as VictoriaMetrics' {@code unescapeValue} does.
 *
 * <p>A sample line must have the shape both versions read alike: {@code name [{label="value",…}] value [timestamp]}
 * with a plain name (no blank, brace, quote, '=', ',', '#' or backslash), plain label names, numbers as fastfloat
 * reads them, and nothing after the timestamp. Any other line refuses the body: for instance 1.79.5 reads
 * {@code m 1 {a="x"} 2} as the series {@code m 1{a="x"}}, current releases quote names in braces.
 */
final class PrometheusTextCounter implements FormatCounter {
    @Override
    public void count(byte[] body, int length, Map<String, String> args, Tally tally) throws MalformedBodyException {
        ByteScratch values = new ByteScratch();
        Lines lines = new Lines(body, length);
        while (lines.next()) {
            values.reset();
            line(body, lines.start(), lines.stop(), lines.number(), tally, values);
        }
    }

    private static void line(byte[] s, int from, int end, int lineNo, Tally tally, ByteScratch values)
            throws MalformedBodyException {
        int i = skipBlanks(s, from, end);
        if (i == end || s[i] == '#') {
            return;
        }
        int nameStart = i;
        while (i < end && plainName(s[i])) {
            i++;
        }
        if (i == nameStart) {
            throw bad(lineNo, "missing metric name");
        }
        if (i < end && !blank(s[i]) && s[i] != '{') {
            throw bad(lineNo, "metric name holds a character tsgate does not accept there");
        }
        tally.key.addMetricName(s, nameStart, i - nameStart);
        int afterName = skipBlanks(s, i, end);
        if (afterName < end && s[afterName] == '{') {
            i = skipBlanks(s, labels(s, afterName + 1, end, lineNo, tally.key, values), end);
        } else if (i == end) {
            throw bad(lineNo, "missing value");
        } else {
            i = afterName;
        }
        int v = i;
        i = token(s, i, end);
        if (i == v) {
            throw bad(lineNo, "missing value");
        }
        if (!Numbers.isFloat(s, v, i)) {
            throw bad(lineNo, "value is not a number");
        }
        i = skipBlanks(s, i, end);
        if (i < end) {
            int t = i;
            i = token(s, i, end);
            if (!Numbers.isFloat(s, t, i)) {
                throw bad(lineNo, "timestamp is not a number");
            }
            if (skipBlanks(s, i, end) < end) {
                throw bad(lineNo, "unexpected text after the timestamp");
            }
        }
        tally.series(1);
    }

    /** Parses {@code name="value",…}} from just after '{'; returns the index after '}'. */
    private static int labels(byte[] s, int i, int end, int lineNo, SeriesKey key, ByteScratch values)
            throws MalformedBodyException {
        while (true) {
            i = skipBlanks(s, i, end);
            if (i < end && s[i] == '}') {
                return i + 1;
            }
            int nameStart = i;
            while (i < end && plainName(s[i])) {
                i++;
            }
            int nameEnd = i;
            i = skipBlanks(s, i, end);
            if (nameEnd == nameStart || i >= end || s[i] != '=') {
                throw bad(lineNo, "want name=\"value\" in labels");
            }
            i = skipBlanks(s, i + 1, end);
            if (i >= end || s[i] != '"') {
                throw bad(lineNo, "label value must be quoted");
            }
            int valueStart = ++i;
            boolean escaped = false;
            while (i < end && s[i] != '"') {
                if (s[i] == '\\') {
                    escaped = true;
                    i++;
                }
                i++;
            }
            if (i >= end) {
                throw bad(lineNo, "unterminated label value");
            }
            if (escaped) {
                int at = values.size();
                unescape(s, valueStart, i, values);
                key.add(s, nameStart, nameEnd - nameStart, values.array(), at, values.size() - at);
            } else {
                key.add(s, nameStart, nameEnd - nameStart, s, valueStart, i - valueStart);
            }
            i = skipBlanks(s, i + 1, end);
            if (i < end && s[i] == ',') {
                i++;
            } else if (i >= end || s[i] != '}') {
                throw bad(lineNo, "want ',' or '}' after a label");
            }
        }
    }

    /**
     * VictoriaMetrics' unescapeValue: {@code \\}, {@code \"} and {@code \n} become one byte, any other pair stays
     * as written. The value ends before an unescaped quote, so every backslash has a partner.
     */
    private static void unescape(byte[] s, int from, int to, ByteScratch out) {
        for (int i = from; i < to; i++) {
            byte c = s[i];
            if (c != '\\' || i + 1 >= to) {
                out.append(c);
                continue;
            }
            byte next = s[++i];
            switch (next) {
                case '\\', '"' -> out.append(next);
                case 'n' -> out.append((byte) '\n');
                default -> {
                    out.append(c);
                    out.append(next);
                }
            }
        }
    }

    /** Bytes of a metric or label name: anything but blanks and the characters that delimit or escape. */
    private static boolean plainName(byte c) {
        return switch (c) {
            case ' ', '\t', '{', '}', '"', '=', ',', '#', '\\' -> false;
            default -> true;
        };
    }

    private static boolean blank(byte c) {
        return c == ' ' || c == '\t';
    }

    private static int token(byte[] s, int i, int end) {
        while (i < end && !blank(s[i])) {
            i++;
        }
        return i;
    }

    private static int skipBlanks(byte[] s, int i, int end) {
        while (i < end && blank(s[i])) {
            i++;
        }
        return i;
    }

    private static MalformedBodyException bad(int line, String what) {
        return MalformedBodyException.malformed("Prometheus text line " + line + ": " + what);
    }
}

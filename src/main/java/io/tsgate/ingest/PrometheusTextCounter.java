package io.tsgate.ingest;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Prometheus text exposition ({@code /api/v1/import/prometheus}): one row per sample line
 * {@code name{label="value",…} value [timestamp]}; {@code #} lines and blank lines are skipped. Label values unescape
 * {@code \\}, {@code \"} and {@code \n}.
 */
final class PrometheusTextCounter implements FormatCounter {
    @Override
    public void count(byte[] body, int length, Map<String, String> args, Tally tally) throws MalformedBodyException {
        String text = new String(body, 0, length, StandardCharsets.UTF_8);
        int lineNo = 0;
        for (int start = 0; start < text.length(); ) {
            int end = text.indexOf('\n', start);
            if (end < 0) {
                end = text.length();
            }
            lineNo++;
            try {
                line(text, start, end, lineNo, tally);
            } catch (MalformedBodyException e) {
                if (!tally.lenient) {
                    throw e;
                }
                tally.skipLine();
            }
            start = end + 1;
        }
    }

    private static void line(String s, int from, int end, int lineNo, Tally tally) throws MalformedBodyException {
        int i = skipSpaces(s, from, end);
        if (i == end || s.charAt(i) == '#' || (end - i == 1 && s.charAt(i) == '\r')) {
            return;
        }
        int nameStart = i;
        while (i < end && s.charAt(i) != '{' && s.charAt(i) != ' ' && s.charAt(i) != '\t') {
            i++;
        }
        if (i == nameStart) {
            throw bad(lineNo, "missing metric name");
        }
        tally.key.addMetricName(s.substring(nameStart, i));
        if (i < end && s.charAt(i) == '{') {
            i = labels(s, i + 1, end, lineNo, tally.key);
        }
        i = skipSpaces(s, i, end);
        int v = i;
        while (i < end && s.charAt(i) != ' ' && s.charAt(i) != '\t' && s.charAt(i) != '\r') {
            i++;
        }
        if (i == v) {
            throw bad(lineNo, "missing value");
        }
        if (!Numbers.isFloat(s.subSequence(v, i))) {
            throw bad(lineNo, "value is not a number");
        }
        tally.series(1);
    }

    /** Parses {@code name="value",…}} from just after '{'; returns the index after '}'. */
    private static int labels(String s, int i, int end, int lineNo, SeriesKey key) throws MalformedBodyException {
        StringBuilder value = new StringBuilder();
        while (true) {
            i = skipSpaces(s, i, end);
            if (i < end && s.charAt(i) == '}') {
                return i + 1;
            }
            int nameStart = i;
            while (i < end && s.charAt(i) != '=' && s.charAt(i) != ' ' && s.charAt(i) != '}') {
                i++;
            }
            String name = s.substring(nameStart, i);
            i = skipSpaces(s, i, end);
            if (name.isEmpty() || i >= end || s.charAt(i) != '=') {
                throw bad(lineNo, "want name=\"value\" in labels");
            }
            i = skipSpaces(s, i + 1, end);
            if (i >= end || s.charAt(i) != '"') {
                throw bad(lineNo, "label " + name + ": value must be quoted");
            }
            value.setLength(0);
            for (i++; ; i++) {
                if (i >= end) {
                    throw bad(lineNo, "label " + name + ": unterminated value");
                }
                char c = s.charAt(i);
                if (c == '"') {
                    break;
                }
                if (c == '\\' && i + 1 < end) {
                    char n = s.charAt(++i);
                    value.append(n == 'n' ? '\n' : n);
                } else {
                    value.append(c);
                }
            }
            key.add(name, value.toString());
            i = skipSpaces(s, i + 1, end);
            if (i < end && s.charAt(i) == ',') {
                i++;
            } else if (i >= end || s.charAt(i) != '}') {
                throw bad(lineNo, "want ',' or '}' after label " + name);
            }
        }
    }

    private static int skipSpaces(String s, int i, int end) {
        while (i < end && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
            i++;
        }
        return i;
    }

    private static MalformedBodyException bad(int line, String what) {
        return MalformedBodyException.malformed("Prometheus text line " + line + ": " + what);
    }
}

package io.tsgate.ingest;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Influx line protocol ({@code /influx/write}, {@code /influx/api/v2/write}):
 * {@code measurement[,tag=value…] field=value[,field=value…] [timestamp]}. As VictoriaMetrics stores it with its
 * default flags, each numeric or boolean field is one row of the series {@code <measurement>_<field>} with the
 * line's tags (just {@code <field>} when the measurement is empty), plus {@code db=<db arg>} when the {@code db}
 * query argument is given and no tag is named {@code db}. String fields are not stored, so not counted.
 */
final class InfluxLineCounter implements FormatCounter {
    @Override
    public void count(byte[] body, int length, Map<String, String> args, Tally tally) throws MalformedBodyException {
        String text = new String(body, 0, length, StandardCharsets.UTF_8);
        String db = args.get("db");
        List<String> tags = new ArrayList<>();
        int lineNo = 0;
        for (int start = 0; start < text.length(); ) {
            int end = text.indexOf('\n', start);
            if (end < 0) {
                end = text.length();
            }
            lineNo++;
            int stop = end > start && text.charAt(end - 1) == '\r' ? end - 1 : end;
            int i = start;
            while (i < stop && (text.charAt(i) == ' ' || text.charAt(i) == '\t')) {
                i++;
            }
            if (i < stop && text.charAt(i) != '#') {
                try {
                    line(text, i, stop, lineNo, db, tags, tally);
                } catch (MalformedBodyException e) {
                    if (!tally.lenient) {
                        throw e;
                    }
                    tally.skipLine();
                }
            }
            start = end + 1;
        }
    }

    private static void line(String s, int i, int end, int lineNo, String db, List<String> tags, Tally tally)
            throws MalformedBodyException {
        StringBuilder token = new StringBuilder();
        i = unescape(s, i, end, ",  ", token);
        String measurement = token.toString();
        tags.clear();
        boolean hasDb = false;
        while (i < end && s.charAt(i) == ',') {
            i = unescape(s, i + 1, end, "=", token);
            String key = token.toString();
            if (i >= end) {
                throw bad(lineNo, "tag " + key + " has no value");
            }
            i = unescape(s, i + 1, end, ", ", token);
            tags.add(key);
            tags.add(token.toString());
            hasDb |= key.equals("db");
        }
        if (i >= end || s.charAt(i) != ' ') {
            throw bad(lineNo, "missing fields");
        }
        i++;
        int fields = 0;
        while (true) {
            i = unescape(s, i, end, "=", token);
            String field = token.toString();
            if (i >= end || field.isEmpty()) {
                throw bad(lineNo, "want field=value");
            }
            i++;
            boolean stored;
            if (i < end && s.charAt(i) == '"') {
                stored = false;
                for (i++; i < end && s.charAt(i) != '"'; i++) {
                    if (s.charAt(i) == '\\') {
                        i++;
                    }
                }
                if (i >= end) {
                    throw bad(lineNo, "field " + field + ": unterminated string");
                }
                i++;
            } else {
                int v = i;
                while (i < end && s.charAt(i) != ',' && s.charAt(i) != ' ') {
                    i++;
                }
                if (i == v || !Numbers.isInfluxValue(s.subSequence(v, i))) {
                    throw bad(lineNo, "field " + field + " has no numeric or boolean value");
                }
                stored = true;
            }
            if (stored) {
                tally.key.addMetricName(measurement.isEmpty() ? field : measurement + "_" + field);
                for (int t = 0; t < tags.size(); t += 2) {
                    tally.key.add(tags.get(t), tags.get(t + 1));
                }
                if (db != null && !hasDb && !db.isEmpty()) {
                    tally.key.add("db", db);
                }
                tally.series(1);
            }
            fields++;
            if (i < end && s.charAt(i) == ',') {
                i++;
                continue;
            }
            break;
        }
        if (fields == 0) {
            throw bad(lineNo, "missing fields");
        }
    }

    /** Reads up to an unescaped character of {@code stops}; backslash escapes the next character. */
    private static int unescape(String s, int i, int end, String stops, StringBuilder out) {
        out.setLength(0);
        while (i < end) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < end) {
                out.append(s.charAt(i + 1));
                i += 2;
                continue;
            }
            if (stops.indexOf(c) >= 0) {
                break;
            }
            out.append(c);
            i++;
        }
        return i;
    }

    private static MalformedBodyException bad(int line, String what) {
        return MalformedBodyException.malformed("Influx line " + line + ": " + what);
    }
}

package io.tsgate.ingest;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * CSV import ({@code /api/v1/import/csv}) with VictoriaMetrics' {@code format} query argument: comma-separated
 * {@code <column>:<type>:<context>} entries, columns counted from 1, types {@code metric} (context: metric name),
 * {@code label} (context: label name) and {@code time}. Each line yields one row per non-empty metric column, the
 * series being that metric name plus the line's label columns.
 *
 * <p>Lines and fields are read on the bytes as VictoriaMetrics reads them (lib/protoparser/csvimport/scanner.go and
 * parser.go at v1.79.5, 3282829e, and at b7ef6cc3): lines end at '\n' less one '\r', empty lines are skipped, a
 * field starting with '"' runs to the next '"' not doubled and must be followed by ',' or the end, any other field
 * runs to the next ','. Values are kept as raw bytes. Current releases also quote with a single quote
 * ({@code 'a,b'} is one field there, two in 1.79.5), so a field starting with one refuses the body; so does a line
 * VictoriaMetrics would skip (too few columns, a value that is no number).
 */
final class CsvCounter implements FormatCounter {
    private record Column(int index, String type, byte[] context) {
    }

    @Override
    public void count(byte[] body, int length, Map<String, String> args, Tally tally) throws MalformedBodyException {
        List<Column> columns = columns(args.get("format"));
        int needed = 0;
        for (Column c : columns) {
            needed = Math.max(needed, c.index() + 1);
        }
        Fields fields = new Fields();
        Lines lines = new Lines(body, length);
        while (lines.next()) {
            if (!lines.isEmpty()) {
                int lineNo = lines.number();
                fields.split(body, lines.start(), lines.stop(), lineNo);
                if (fields.count < needed) {
                    throw bad(lineNo, "has " + fields.count + " columns, the format names column " + needed);
                }
                line(columns, fields, lineNo, tally);
            }
        }
    }

    private static void line(List<Column> columns, Fields fields, int lineNo, Tally tally) throws MalformedBodyException {
        for (Column metric : columns) {
            if (!metric.type().equals("metric")) {
                continue;
            }
            int m = metric.index();
            if (fields.len[m] == 0) {
                continue; // current releases ignore an empty column; 1.79.5 skips the line
            }
            if (!Numbers.isFloat(fields.src[m], fields.off[m], fields.off[m] + fields.len[m])) {
                throw bad(lineNo, "column " + (m + 1) + " is not a number");
            }
            tally.key.addMetricName(metric.context(), 0, metric.context().length);
            for (Column label : columns) {
                if (label.type().equals("label")) {
                    int l = label.index();
                    tally.key.add(label.context(), 0, label.context().length, fields.src[l], fields.off[l], fields.len[l]);
                }
            }
            tally.series(1);
        }
    }

    /** The fields of one line: each a range of the body, or of the scratch buffer when doubled quotes were undone. */
    private static final class Fields {
        byte[][] src = new byte[16][];
        int[] off = new int[16];
        int[] len = new int[16];
        int count;
        private final ByteScratch unquoted = new ByteScratch();

        void split(byte[] s, int i, int end, int lineNo) throws MalformedBodyException {
            count = 0;
            unquoted.reset();
            splitFields(s, i, end, lineNo);
            settle();
        }

        private void splitFields(byte[] s, int i, int end, int lineNo) throws MalformedBodyException {
            while (true) {
                if (i < end && s[i] == '\'') {
                    throw bad(lineNo, "a field starts with a single quote, which VictoriaMetrics versions read differently");
                }
                if (i < end && s[i] == '"') {
                    i = quoted(s, i, end, lineNo);
                    if (i == end) {
                        return;
                    }
                    if (s[i] != ',') {
                        throw bad(lineNo, "want ',' after a quoted field");
                    }
                } else {
                    int comma = i;
                    while (comma < end && s[comma] != ',') {
                        comma++;
                    }
                    add(s, i, comma - i);
                    if (comma == end) {
                        return;
                    }
                    i = comma;
                }
                i++;
                if (i == end) {
                    add(s, i, 0); // a trailing comma: current releases read one more, empty, column
                    return;
                }
            }
        }

        /** Adds the quoted field starting at {@code i}; returns the index after its closing quote. */
        private int quoted(byte[] s, int i, int end, int lineNo) throws MalformedBodyException {
            int from = i + 1;
            boolean doubled = false;
            for (i = from; ; i++) {
                if (i >= end) {
                    throw bad(lineNo, "unterminated quoted field");
                }
                if (s[i] == '"') {
                    if (i + 1 < end && s[i + 1] == '"') {
                        doubled = true;
                        i++;
                        continue;
                    }
                    break;
                }
            }
            if (!doubled) {
                add(s, from, i - from);
            } else {
                int at = unquoted.size();
                for (int k = from; k < i; k++) {
                    unquoted.append(s[k]);
                    if (s[k] == '"') {
                        k++;
                    }
                }
                add(null, at, unquoted.size() - at);
            }
            return i + 1;
        }

        private void add(byte[] s, int o, int l) {
            if (count == off.length) {
                src = java.util.Arrays.copyOf(src, count * 2);
                off = java.util.Arrays.copyOf(off, count * 2);
                len = java.util.Arrays.copyOf(len, count * 2);
            }
            src[count] = s;
            off[count] = o;
            len[count] = l;
            count++;
        }

        /** Points unquoted fields at the scratch buffer's final array, once the line is split. */
        private void settle() {
            for (int k = 0; k < count; k++) {
                if (src[k] == null) {
                    src[k] = unquoted.array();
                }
            }
        }
    }

    private static MalformedBodyException bad(int line, String what) {
        return MalformedBodyException.malformed("CSV line " + line + ": " + what);
    }

    private static List<Column> columns(String format) throws MalformedBodyException {
        if (format == null || format.isBlank()) {
            throw MalformedBodyException.malformed("CSV import needs the format query argument, e.g. "
                    + "format=2:metric:price,1:label:ticker,3:time:unix_s");
        }
        List<Column> out = new ArrayList<>();
        boolean metric = false;
        for (String entry : format.split(",")) {
            String[] parts = entry.split(":", 3);
            int index;
            try {
                index = Integer.parseInt(parts[0].trim()) - 1;
            } catch (NumberFormatException e) {
                index = -1;
            }
            if (parts.length < 2 || index < 0) {
                throw MalformedBodyException.malformed("CSV format entry \"" + entry + "\": want <column>:<type>:<context>");
            }
            String type = parts[1];
            String context = parts.length > 2 ? parts[2] : "";
            switch (type) {
                case "metric", "label" -> {
                    if (context.isEmpty()) {
                        throw MalformedBodyException.malformed("CSV format entry \"" + entry + "\": " + type + " needs a name");
                    }
                    metric |= type.equals("metric");
                }
                case "time" -> { }
                default -> throw MalformedBodyException.malformed("CSV format entry \"" + entry
                        + "\": type must be metric, label or time");
            }
            out.add(new Column(index, type, context.getBytes(StandardCharsets.UTF_8)));
        }
        if (!metric) {
            throw MalformedBodyException.malformed("CSV format needs at least one metric column");
        }
        // csvimport adds a line's labels in column order, and of a repeated name the last wins: hash them that way.
        out.sort(java.util.Comparator.comparingInt(Column::index));
        return out;
    }
}

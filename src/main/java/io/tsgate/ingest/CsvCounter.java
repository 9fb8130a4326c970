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
 */
final class CsvCounter implements FormatCounter {
    private record Column(int index, String type, String context) {
    }

    @Override
    public void count(byte[] body, int length, Map<String, String> args, Tally tally) throws MalformedBodyException {
        List<Column> columns = columns(args.get("format"));
        String text = new String(body, 0, length, StandardCharsets.UTF_8);
        List<String> fields = new ArrayList<>();
        int lineNo = 0;
        for (int start = 0; start < text.length(); ) {
            int end = text.indexOf('\n', start);
            if (end < 0) {
                end = text.length();
            }
            lineNo++;
            int stop = end > start && text.charAt(end - 1) == '\r' ? end - 1 : end;
            if (stop > start) {
                try {
                    split(text, start, stop, lineNo, fields);
                    line(columns, fields, lineNo, tally);
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

    private static void line(List<Column> columns, List<String> fields, int lineNo, Tally tally)
            throws MalformedBodyException {
        for (Column metric : columns) {
            if (!metric.type().equals("metric")) {
                continue;
            }
            if (metric.index() >= fields.size()) {
                throw MalformedBodyException.malformed("CSV line " + lineNo + ": no column " + (metric.index() + 1));
            }
            String value = fields.get(metric.index());
            if (value.isEmpty()) {
                continue;
            }
            if (!Numbers.isFloat(value)) {
                throw MalformedBodyException.malformed("CSV line " + lineNo + ": column " + (metric.index() + 1)
                        + " is not a number");
            }
            tally.key.addMetricName(metric.context());
            for (Column label : columns) {
                if (label.type().equals("label") && label.index() < fields.size()) {
                    tally.key.add(label.context(), fields.get(label.index()));
                }
            }
            tally.series(1);
        }
    }

    private static void split(String s, int i, int end, int lineNo, List<String> out) throws MalformedBodyException {
        out.clear();
        StringBuilder f = new StringBuilder();
        while (true) {
            f.setLength(0);
            if (i < end && s.charAt(i) == '"') {
                for (i++; ; i++) {
                    if (i >= end) {
                        throw MalformedBodyException.malformed("CSV line " + lineNo + ": unterminated quoted field");
                    }
                    char c = s.charAt(i);
                    if (c == '"') {
                        if (i + 1 < end && s.charAt(i + 1) == '"') {
                            f.append('"');
                            i++;
                            continue;
                        }
                        i++;
                        break;
                    }
                    f.append(c);
                }
            } else {
                while (i < end && s.charAt(i) != ',') {
                    f.append(s.charAt(i++));
                }
            }
            out.add(f.toString());
            if (i >= end) {
                return;
            }
            if (s.charAt(i) != ',') {
                throw MalformedBodyException.malformed("CSV line " + lineNo + ": want ',' after a quoted field");
            }
            i++;
        }
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
            out.add(new Column(index, type, context));
        }
        if (!metric) {
            throw MalformedBodyException.malformed("CSV format needs at least one metric column");
        }
        return out;
    }
}

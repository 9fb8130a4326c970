package io.tsgate.parity;

import static io.tsgate.parity.Spellings.chance;
import static io.tsgate.parity.Spellings.pick;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * CSV for {@code /api/v1/import/csv}: a random {@code format} (metric, label and time columns in any order, odd
 * positions, percent-encoded and invalid-UTF-8 names, the argument repeated), and rows with quoted fields, doubled
 * quotes, bare quotes, missing and extra columns, empty values, odd numbers and timestamps.
 */
final class CsvGrammar implements Grammar {
    private static final List<String> NAMES = List.of("m", "n", "m.x", "%C3%A9", "%FF", "%FE", "m%2Cx", "m%3Ax", "m%20x");
    private static final List<byte[]> FIELD_ATOMS = Spellings.asciiAll("\"", "\"\"", ",", " ", "\\", "\\\"", "'");

    private record Column(int position, String spec) {
    }

    private static String name(Dice r, String tame) {
        return r.odd() ? pick(r, NAMES) : tame;
    }

    @Override
    public String name() {
        return "csv";
    }

    @Override
    public Draft draft(Dice r) {
        List<Column> columns = new ArrayList<>();
        int metrics = 1 + r.nextInt(2);
        int labels = r.nextInt(3);
        boolean time = chance(r, 0.5);
        int width = metrics + labels + (time ? 1 : 0);
        List<Integer> positions = new ArrayList<>();
        for (int i = 1; i <= width; i++) {
            positions.add(i);
        }
        Collections.shuffle(positions, r);
        int k = 0;
        for (int i = 0; i < metrics; i++) {
            columns.add(new Column(positions.get(k++), "metric:" + name(r, "m")));
        }
        for (int i = 0; i < labels; i++) {
            columns.add(new Column(positions.get(k++), "label:" + name(r, "l" + i)));
        }
        String timeFormat = pick(r, "unix_s", "unix_ms", "unix_ns", "rfc3339");
        if (time) {
            columns.add(new Column(positions.get(k), "time:" + timeFormat));
        }
        Collections.shuffle(columns, r);
        List<String> query = new ArrayList<>();
        query.add("format=" + format(r, columns));
        if (r.odd() || chance(r, 0.03)) {
            Collections.shuffle(columns, r);
            query.add(chance(r, 0.5) ? 0 : 1, pick(r, "format=", "format=" + format(r, columns.subList(0, 1)),
                    "FORMAT=1:metric:q", "%66ormat=1:metric:q"));
        }
        List<byte[]> values = Spellings.pool(r, 2 + r.nextInt(3), FIELD_ATOMS);
        Bytes b = new Bytes();
        int rows = 1 + r.nextInt(5);
        for (int i = 0; i < rows; i++) {
            row(r, b, columns, width, values, timeFormat);
            if (i + 1 < rows || chance(r, 0.7)) {
                b.text(Spellings.lineBreak(r));
            }
        }
        return new Draft("/api/v1/import/csv", query, b.toArray(), "");
    }

    private static String format(Dice r, List<Column> columns) {
        StringBuilder s = new StringBuilder();
        for (Column c : columns) {
            if (s.length() > 0) {
                s.append(r.odd() ? "%2C" : ",");
            }
            String position = Integer.toString(c.position());
            if (r.odd()) {
                position = pick(r, "0" + position, "+" + position, "%20" + position);
            }
            s.append(position).append(':').append(c.spec());
        }
        return s.toString();
    }

    private static void row(Dice r, Bytes b, List<Column> columns, int width, List<byte[]> values, String timeFormat) {
        int fields = r.odd() ? Math.max(1, width + pick(r, -1, 1, 2)) : width;
        for (int p = 1; p <= fields; p++) {
            if (p > 1) {
                b.text(",");
            }
            Column c = at(columns, p);
            if (c == null) {
                b.text(pick(r, "", "x", "1"));
            } else if (c.spec().startsWith("metric:")) {
                b.text(r.odd() && chance(r, 0.2) ? "" : Spellings.number(r));
            } else if (c.spec().startsWith("time:")) {
                b.text(time(r, timeFormat));
            } else if (chance(r, 0.3)) {
                b.text("\"").raw(pick(r, values)).text("\"");
            } else {
                b.raw(pick(r, values));
            }
        }
    }

    private static Column at(List<Column> columns, int position) {
        for (Column c : columns) {
            if (c.position() == position) {
                return c;
            }
        }
        return null;
    }

    private static String time(Dice r, String format) {
        long ms = Spellings.BASE_MS + r.nextInt(1000) * 1000L;
        if (r.odd()) {
            return pick(r, "", "0", "-1", "x", "1.5", "1e9");
        }
        return switch (format) {
            case "unix_s" -> Long.toString(ms / 1000);
            case "unix_ms" -> Long.toString(ms);
            case "unix_ns" -> ms + "000000";
            default -> java.time.Instant.ofEpochMilli(ms).toString();
        };
    }
}

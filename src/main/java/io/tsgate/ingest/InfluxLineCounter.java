package io.tsgate.ingest;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Influx line protocol ({@code /influx/write}, {@code /influx/api/v2/write}), split on the bytes exactly as
 * VictoriaMetrics splits it (lib/protoparser/influx/parser.go at v1.79.5, 3282829e, and at b7ef6cc3), in one pass
 * per piece instead of its repeated quote counting:
 * <ul>
 * <li>lines end at '\n' less one '\r'; only an empty line or one whose very first byte is '#' is skipped (a line
 * starting with blanks is parsed, and {@code " #a=1"} stores the metric {@code #a});</li>
 * <li>measurement and tags end at the first unescaped space; tags split at unescaped ',' and '='; an empty tag key or
 * value drops the tag; fields end at the first unescaped space outside double quotes, split at such commas;</li>
 * <li>{@code unescapeTagValue} turns {@code \ }, {@code \,}, {@code \=} and {@code \\} into one byte and keeps every
 * other backslash, for measurement, tag and field names alike;</li>
 * <li>every field is a row, string fields included (they are stored as the number they hold, or 0).</li>
 * </ul>
 * With the default flags (app/vminsert/influx/request_handler.go) the series of a field is
 * {@code <measurement>_<field>} (just {@code <field>} when the measurement is empty) with the line's tags, plus
 * {@code db=<db argument>} unless a tag is named {@code db}; the field's name is set after the extra labels, so an
 * {@code extra_label} named {@code __name__} does not rename Influx samples. A line VictoriaMetrics would reject
 * refuses the body.
 */
final class InfluxLineCounter implements FormatCounter {
    private static final byte[] DB = "db".getBytes(StandardCharsets.US_ASCII);

    @Override
    public void count(byte[] body, int length, Map<String, String> args, Tally tally) throws MalformedBodyException {
        String dbArg = args.get("db");
        byte[] db = dbArg == null ? new byte[0] : dbArg.getBytes(StandardCharsets.UTF_8);
        tally.key.extraLabels(tally.key.extraLabels().withoutMetricName());
        Line line = new Line(body, db, tally);
        Lines lines = new Lines(body, length);
        while (lines.next()) {
            if (!lines.isEmpty() && body[lines.start()] != '#') {
                line.parse(lines.start(), lines.stop(), lines.number());
            }
        }
    }

    /** One line's pieces, unescaped into a scratch buffer reused line after line. */
    private static final class Line {
        private final byte[] s;
        private final byte[] db;
        private final Tally tally;
        private final ByteScratch scratch = new ByteScratch();
        private int[] tags = new int[16];
        private int tagCount;
        private int[] fieldKeys = new int[16];
        private int fieldCount;
        private int lineNo;

        Line(byte[] s, byte[] db, Tally tally) {
            this.s = s;
            this.db = db;
            this.tally = tally;
        }

        void parse(int from, int end, int lineNo) throws MalformedBodyException {
            this.lineNo = lineNo;
            scratch.reset();
            tagCount = 0;
            int space = nextUnescaped(from, end, (byte) ' ');
            if (space < 0) {
                throw bad("no space after the measurement and tags");
            }
            int comma = nextUnescaped(from, space, (byte) ',');
            int measurementAt = scratch.size();
            unescape(from, comma < 0 ? space : comma);
            int measurementLen = scratch.size() - measurementAt;
            if (comma >= 0) {
                tags(comma + 1, space);
            }
            int fields = space + 1;
            while (fields < end && s[fields] == ' ') {
                fields++;
            }
            boolean quoted = nextUnescaped(fields, end, (byte) '"') >= 0;
            int fieldsEnd = nextUnquoted(fields, end, (byte) ' ', quoted);
            if (fieldsEnd >= 0) {
                timestamp(fieldsEnd + 1, end);
            } else {
                fieldsEnd = end;
            }
            checkFields(fields, fieldsEnd, quoted);
            emit(measurementAt, measurementLen);
        }

        private void tags(int from, int end) throws MalformedBodyException {
            while (true) {
                int comma = nextUnescaped(from, end, (byte) ',');
                int tagEnd = comma < 0 ? end : comma;
                int eq = nextUnescaped(from, tagEnd, (byte) '=');
                if (eq < 0) {
                    throw bad("tag without '='");
                }
                int keyAt = scratch.size();
                unescape(from, eq);
                int valueAt = scratch.size();
                unescape(eq + 1, tagEnd);
                if (valueAt > keyAt && scratch.size() > valueAt) {
                    addTag(keyAt, valueAt, scratch.size());
                }
                if (comma < 0) {
                    return;
                }
                from = comma + 1;
            }
        }

        private void addTag(int keyAt, int valueAt, int valueEnd) {
            if (tagCount * 3 + 3 > tags.length) {
                tags = java.util.Arrays.copyOf(tags, tags.length * 2);
            }
            tags[tagCount * 3] = keyAt;
            tags[tagCount * 3 + 1] = valueAt;
            tags[tagCount * 3 + 2] = valueEnd;
            tagCount++;
        }

        /** Validates the fields and unescapes their keys into the scratch buffer, one after another. */
        private void checkFields(int from, int end, boolean quoted) throws MalformedBodyException {
            fieldCount = 0;
            while (true) {
                int comma = nextUnquoted(from, end, (byte) ',', quoted);
                int fieldEnd = comma < 0 ? end : comma;
                int eq = nextUnescaped(from, fieldEnd, (byte) '=');
                if (eq < 0) {
                    throw bad("field without '='");
                }
                int keyAt = scratch.size();
                unescape(from, eq);
                if (scratch.size() == keyAt) {
                    throw bad("empty field key");
                }
                if (fieldCount * 2 + 2 > fieldKeys.length) {
                    fieldKeys = java.util.Arrays.copyOf(fieldKeys, fieldKeys.length * 2);
                }
                fieldKeys[fieldCount * 2] = keyAt;
                fieldKeys[fieldCount * 2 + 1] = scratch.size();
                fieldCount++;
                checkValue(eq + 1, fieldEnd, quoted);
                if (comma < 0) {
                    return;
                }
                from = comma + 1;
            }
        }

        private void checkValue(int from, int to, boolean quoted) throws MalformedBodyException {
            if (from >= to) {
                throw bad("empty field value");
            }
            if (quoted && s[from] == '"') {
                if (to - from < 2 || s[to - 1] != '"') {
                    throw bad("unterminated string field");
                }
            } else if (!Numbers.isInfluxValue(s, from, to)) {
                throw bad("field value ends in i or u but is no integer");
            }
        }

        /** 1.79.5 needs a timestamp after a space that ends the fields; current releases allow trailing spaces. */
        private void timestamp(int from, int end) throws MalformedBodyException {
            while (from < end && s[from] == ' ') {
                from++;
            }
            if (from < end && !Numbers.isInt64(s, from, end)) {
                throw bad("timestamp is no integer");
            }
        }

        private void emit(int measurementAt, int measurementLen) throws MalformedBodyException {
            boolean dbTag = false;
            for (int t = 0; t < tagCount; t++) {
                dbTag |= java.util.Arrays.equals(scratch.array(), tags[t * 3], tags[t * 3 + 1], DB, 0, DB.length);
            }
            for (int f = 0; f < fieldCount; f++) {
                int key = fieldKeys[f * 2];
                int keyEnd = fieldKeys[f * 2 + 1];
                int nameAt = scratch.size();
                if (measurementLen > 0) {
                    scratch.append(scratch.array(), measurementAt, measurementLen);
                    scratch.append((byte) '_');
                }
                scratch.append(scratch.array(), key, keyEnd - key);
                byte[] b = scratch.array();
                tally.key.addMetricName(b, nameAt, scratch.size() - nameAt);
                for (int t = 0; t < tagCount; t++) {
                    int k = tags[t * 3];
                    int v = tags[t * 3 + 1];
                    tally.key.add(b, k, v - k, b, v, tags[t * 3 + 2] - v);
                }
                if (!dbTag && db.length > 0) {
                    tally.key.add(DB, 0, DB.length, db, 0, db.length);
                }
                tally.series(1);
                scratch.truncate(nameAt); // hashed: the next field's name reuses the space
            }
        }

        /** VictoriaMetrics' unescapeTagValue into the scratch buffer. */
        private void unescape(int from, int to) {
            for (int i = from; i < to; i++) {
                byte c = s[i];
                if (c != '\\') {
                    scratch.append(c);
                } else if (i + 1 >= to) {
                    scratch.append(c);
                } else {
                    byte next = s[++i];
                    if (next != ' ' && next != ',' && next != '=' && next != '\\') {
                        scratch.append(c);
                    }
                    scratch.append(next);
                }
            }
        }

        /** The first {@code ch} in [from, to) not preceded by an odd run of backslashes, or -1. */
        private int nextUnescaped(int from, int to, byte ch) {
            for (int i = from; i < to; i++) {
                if (s[i] == '\\') {
                    i++;
                } else if (s[i] == ch) {
                    return i;
                }
            }
            return -1;
        }

        /** As {@link #nextUnescaped}, skipping {@code ch} between unescaped double quotes when the fields have any. */
        private int nextUnquoted(int from, int to, byte ch, boolean quoted) {
            if (!quoted) {
                return nextUnescaped(from, to, ch);
            }
            boolean inQuote = false;
            for (int i = from; i < to; i++) {
                if (s[i] == '\\') {
                    i++;
                } else if (s[i] == '"') {
                    inQuote = !inQuote;
                } else if (s[i] == ch && !inQuote) {
                    return i;
                }
            }
            return -1;
        }

        private MalformedBodyException bad(String what) {
            return MalformedBodyException.malformed("Influx line " + lineNo + ": " + what);
        }
    }
}

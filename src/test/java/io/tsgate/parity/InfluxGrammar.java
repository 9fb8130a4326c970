package io.tsgate.parity;

import static io.tsgate.parity.Spellings.chance;
import static io.tsgate.parity.Spellings.pick;

import java.util.ArrayList;
import java.util.List;

/**
 * Influx line protocol for {@code /write}, {@code /influx/write} and their v2 paths: escapes the protocol defines
 * ({@code \,}, {@code \ }, {@code \=}, {@code \\}) and those it does not, comments after leading whitespace, empty
 * tag keys and values, quoted string fields (with commas, spaces and escaped quotes), booleans and integers in every
 * spelling, unparseable field values, timestamps, and {@code db}/{@code precision} arguments repeated or odd.
 */
final class InfluxGrammar implements Grammar {
    private static final List<byte[]> ATOMS = Spellings.asciiAll("\\,", "\\ ", "\\=", "\\\\", "\\t", "\\n", "\\\"",
            "\"", "\\x", "\\é", "=", "#", "\t", "\\\\\\ ",
            "t", "x", "n", ",", " ", "\\");
    private static final List<String> MEASUREMENTS = List.of("m", "cpu", "m\\ x", "m\\,y", "m\\=z", "m\\\\", "m\\x",
            "é", "m_", "#m", "m#", "\tm", "m\"");
    private static final List<String> TAG_KEYS = List.of("a", "b", "a", "db", "a\\ b", "a\\=b", "", "__name__", "A");
    private static final List<String> FIELD_KEYS = List.of("f", "g", "value", "f\\ x", "f\\,y", "f\\=z", "\"q\"", "",
            "f\\", "__name__");
    private static final List<String> FIELD_VALUES = List.of("1i", "-3i", "3u", "t", "T", "true", "True", "TRUE", "f",
            "F", "false", "FALSE", "\"str\"", "\"s p\"", "\"a,b\"", "\"q\\\"x\"", "\"1\"", "\"\"", "\"a=b c\"", "inf",
            "NaN", "+1", ".5", "1_000", "xyz", "1ii", "", "1.5i", "-0u", "0x10", "tRUE", "1e3i", "\"unterminated");

    @Override
    public String name() {
        return "influx";
    }

    @Override
    public Draft draft(Dice r) {
        String path = pick(r, "/write", "/influx/write", "/api/v2/write", "/influx/api/v2/write");
        List<String> query = new ArrayList<>();
        int dbs = chance(r, 0.5) ? 0 : 1 + (chance(r, 0.2) ? 1 : 0);
        for (int i = 0; i < dbs; i++) {
            query.add("db=" + (r.odd() ? pick(r, "", "%FF", "%C3%A9", "a%2Cb", "a+b", "%20") : pick(r, "x", "y")));
        }
        if (r.odd()) {
            query.add(pick(r, "DB=z", "%64b=z", "db"));
        }
        if (chance(r, 0.2)) {
            query.add("precision=" + (r.odd() ? pick(r, "u", "m", "h", "x", "", "us", "NS") : "ns"));
        }
        List<byte[]> values = Spellings.pool(r, 2 + r.nextInt(3), ATOMS);
        Bytes b = new Bytes();
        Twins twins = new Twins();
        int lines = 1 + r.nextInt(5);
        for (int i = 0; i < lines; i++) {
            if (r.odd()) {
                b.text(pick(r, "#", "# c", " #c", "\t#c", "#m f=1")).text(Spellings.lineBreak(r));
            }
            line(r, b, values, twins);
            if (i + 1 < lines || chance(r, 0.7)) {
                b.text(Spellings.lineBreak(r));
            }
        }
        return new Draft(path, query, b.toArray(), "");
    }

    private static List<byte[]> tags(Dice r, List<byte[]> values) {
        List<byte[]> out = new java.util.ArrayList<>();
        int tags = Spellings.labelCount(r, 3);
        for (int i = 0; i < tags; i++) {
            out.add(new Bytes().text(r.odd() ? pick(r, TAG_KEYS) : Spellings.labelName(i)).text("=")
                    .raw(r.odd() && chance(r, 0.2) ? new byte[0] : pick(r, values)).toArray());
        }
        return out;
    }

    private static void line(Dice r, Bytes b, List<byte[]> values, Twins twins) {
        if (r.odd()) {
            b.text(pick(r, " ", "\t", " #", "\t#", "  "));
        }
        b.text(r.odd() ? pick(r, MEASUREMENTS) : pick(r, "m", "cpu"));
        for (byte[] tag : twins.next(r, () -> tags(r, values))) {
            b.text(",").raw(tag);
        }
        b.text(r.odd() ? pick(r, "  ", "\t") : " ");
        int fields = 1 + r.nextInt(3);
        for (int i = 0; i < fields; i++) {
            if (i > 0) {
                b.text(",");
            }
            b.text(r.odd() ? pick(r, FIELD_KEYS) : "fgv".substring(i, i + 1)).text("=");
            b.text(r.odd() ? pick(r, FIELD_VALUES) : chance(r, 0.7) ? Spellings.number(r)
                    : pick(r, "1i", "t", "false", "\"str\"", "2u"));
        }
        if (chance(r, 0.4)) {
            long ns = Spellings.BASE_MS * 1_000_000L + r.nextInt(1000) * 1_000_000_000L;
            b.text(r.odd() ? pick(r, "  ", "\t") : " ").text(!r.odd() ? Long.toString(ns)
                    : pick(r, "", "1.5", Long.toString(ns / 1_000_000_000L), "x", "-1", "+1", "1e18"));
        }
    }
}

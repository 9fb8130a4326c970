package io.tsgate.parity;

import static io.tsgate.parity.Spellings.chance;
import static io.tsgate.parity.Spellings.pick;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * JSON lines for {@code /api/v1/import} ({@code /api/v1/export}'s format): repeated keys at every level, members in
 * any order, string escapes JSON defines ({@code \u00e9}, surrogate pairs, lone surrogates, {@code \/}) and those it
 * does not, raw invalid UTF-8 and control characters in strings, non-string label values, numbers JSON forbids but
 * lenient parsers take ({@code NaN}, {@code +1}, {@code .5}), timestamps as floats and strings, arrays of unequal
 * length.
 */
final class JsonLineGrammar implements Grammar {
    private static final List<byte[]> STRING_ATOMS = Spellings.asciiAll("\\u00e9", "\\ud800", "\\udc00",
            "\\ud83d\\ude00", "\\ud800\\u0041", "\\/", "/", "\\\"", "\\\\", "\\n", "\\t", "\t", "\\x41", "\\u004",
            "\\U0041", "\\u0000", "\\b", "\\'", "\\", "\\uDBFF\\uDFFF", "\\u00E9");
    private static final List<String> KEYS = List.of("__name__", "a", "b", "a", "l", "\\u0061", "", "é", "\\ud800");

    @Override
    public String name() {
        return "jsonline";
    }

    @Override
    public Draft draft(Dice r) {
        List<byte[]> values = Spellings.pool(r, 2 + r.nextInt(3), STRING_ATOMS);
        Bytes b = new Bytes();
        Twins twins = new Twins();
        int lines = 1 + r.nextInt(4);
        for (int i = 0; i < lines; i++) {
            line(r, b, values, twins);
            if (i + 1 < lines || chance(r, 0.7)) {
                b.text(Spellings.lineBreak(r));
            }
        }
        return new Draft("/api/v1/import", List.of(), b.toArray(), "");
    }

    private static void line(Dice r, Bytes b, List<byte[]> values, Twins twins) {
        int samples = 1 + r.nextInt(3);
        List<byte[]> members = new ArrayList<>();
        members.add(member("metric", new Bytes().text("{").raw(Twins.join(twins.next(r, () -> labels(r, values)), ","))
                .text("}").toArray()));
        members.add(member("values", array(r, samples, false)));
        members.add(member("timestamps", array(r, samples, true)));
        if (r.odd()) {
            members.add(member(pick(r, "values", "timestamps", "metric", "values"), chance(r, 0.5)
                    ? array(r, 1 + r.nextInt(3), chance(r, 0.5)) : metric(r, values)));
        }
        if (r.odd()) {
            members.add(member(pick(r, "x", "Metric", "\\u0076alues", "value"), Spellings.ascii(pick(r, "1", "null", "[]", "{}"))));
        }
        if (chance(r, 0.3)) {
            Collections.shuffle(members, r);
        }
        b.text(ws(r)).text("{");
        for (int i = 0; i < members.size(); i++) {
            if (i > 0) {
                b.text(",").text(ws(r));
            }
            b.raw(members.get(i));
        }
        b.text("}").text(ws(r));
    }

    private static byte[] member(String key, byte[] value) {
        return new Bytes().text("\"" + key + "\":").raw(value).toArray();
    }

    private static byte[] metric(Dice r, List<byte[]> values) {
        return new Bytes().text("{").raw(Twins.join(labels(r, values), ",")).text("}").toArray();
    }

    private static List<byte[]> labels(Dice r, List<byte[]> values) {
        List<byte[]> out = new ArrayList<>();
        int labels = 1 + Spellings.labelCount(r, 3);
        for (int i = 0; i < labels; i++) {
            Bytes b = new Bytes();
            b.text("\"").text(r.odd() ? pick(r, KEYS) : i == 0 ? "__name__" : Spellings.labelName(i - 1)).text("\":").text(ws(r));
            if (r.odd() && chance(r, 0.2)) {
                b.text(pick(r, "1", "null", "true", "[]", "{}"));
            } else {
                b.text("\"").raw(pick(r, values)).text("\"");
            }
            out.add(b.toArray());
        }
        return out;
    }

    private static byte[] array(Dice r, int n, boolean timestamps) {
        Bytes b = new Bytes().text("[");
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                b.text(",");
            }
            b.text(timestamps ? timestamp(r, i) : value(r));
        }
        return b.text("]").toArray();
    }

    private static String value(Dice r) {
        return !r.odd() ? pick(r, "1", "0", "2.5", "-3", "1e3", "1.5E-3") : pick(r, "NaN", "nan", "Inf", "-inf",
                "+1", ".5", "01", "1.", "\"1\"", "null", "true", "Infinity", "1e", "-", "0x10", "1_0", "-0");
    }

    private static String timestamp(Dice r, int i) {
        long ms = Spellings.BASE_MS + i * 1000L + r.nextInt(1000);
        return !r.odd() ? Long.toString(ms) : pick(r, ms + ".0", ms + "e0", "\"" + ms + "\"", "1.7e12",
                "+" + ms, "0", "-1", "null", Long.toString(ms / 1000));
    }

    private static String ws(Dice r) {
        return !r.odd() ? "" : pick(r, " ", "\t", "  ", "\r");
    }
}

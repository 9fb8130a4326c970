package io.tsgate.parity;

import static io.tsgate.parity.Spellings.chance;
import static io.tsgate.parity.Spellings.pick;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * OpenTSDB HTTP JSON for {@code /api/put}: an object or an array of them, members in any order and repeated, values
 * as numbers, numeric strings and non-numbers, timestamps in seconds, milliseconds, floats and strings or absent,
 * tags absent, empty, non-string or with escaped, invalid-UTF-8 and empty keys and values.
 */
final class OpenTsdbGrammar implements Grammar {
    private static final List<byte[]> STRING_ATOMS = Spellings.asciiAll("\\u00e9", "\\ud800", "\\/", "\\\"", "\\\\",
            "\\n", "\\x41", "\\u0000", "\t");
    private static final List<String> TAG_KEYS = List.of("host", "dc", "host", "", "\\u0068ost", "é", "__name__");

    @Override
    public String name() {
        return "opentsdb";
    }

    @Override
    public Draft draft(Dice r) {
        List<byte[]> values = Spellings.pool(r, 2 + r.nextInt(3), STRING_ATOMS);
        List<String> metrics = List.of(r.odd() ? pick(r, "m", "é", "m x", "") : "sys.cpu",
                r.odd() ? pick(r, "sys.cpu", "\\u006d", "\\ud800") : "sys.mem");
        Bytes b = new Bytes();
        Twins twins = new Twins();
        int objects = 1 + r.nextInt(4);
        boolean array = objects > 1 || chance(r, 0.5);
        b.text(ws(r));
        if (array) {
            b.text("[");
        }
        for (int i = 0; i < objects; i++) {
            if (i > 0) {
                b.text(",").text(ws(r));
            }
            object(r, b, metrics, values, i, twins);
        }
        if (array) {
            b.text("]");
        }
        b.text(r.odd() ? pick(r, "\n", " x", "]", "{}") : ws(r));
        return new Draft(pick(r, "/api/put", "/api/put", "/opentsdb/api/put"), List.of(), b.toArray(), "");
    }

    private static void object(Dice r, Bytes b, List<String> metrics, List<byte[]> values, int i, Twins twins) {
        List<byte[]> members = new ArrayList<>();
        members.add(member("metric", "\"" + pick(r, metrics) + "\""));
        long s = Spellings.BASE_MS / 1000 + i;
        if (chance(r, 0.9)) {
            members.add(member("timestamp", !r.odd() ? Long.toString(s) : pick(r, s + "000", s + ".5",
                    "\"" + s + "\"", "0", "null", "-1", "1e9")));
        }
        if (!(r.odd() && chance(r, 0.2))) {
            members.add(member("value", !r.odd() ? Spellings.number(r)
                    : pick(r, "\"1\"", "\"1e3\"", "\"0x10\"", "\"NaN\"", "\"abc\"", "null", "true", "\"\"", "\" 1\"")));
        }
        if (chance(r, 0.9)) {
            members.add(member("tags", tags(r, values, twins)));
        }
        if (r.odd()) {
            members.add(member(pick(r, "metric", "value", "tags", "timestamp"), pick(r, "\"other\"", "7", "{}", "{\"host\":\"z\"}")));
        }
        if (chance(r, 0.3)) {
            Collections.shuffle(members, r);
        }
        b.text("{");
        for (int k = 0; k < members.size(); k++) {
            if (k > 0) {
                b.text(",");
            }
            b.raw(members.get(k));
        }
        b.text("}");
    }

    private static byte[] tags(Dice r, List<byte[]> values, Twins twins) {
        if (r.odd() && chance(r, 0.2)) {
            return Spellings.ascii(pick(r, "{}", "null", "[]", "\"x\""));
        }
        return new Bytes().text("{").raw(Twins.join(twins.next(r, () -> tagList(r, values)), ",")).text("}").toArray();
    }

    private static List<byte[]> tagList(Dice r, List<byte[]> values) {
        List<byte[]> out = new ArrayList<>();
        int n = 1 + Spellings.labelCount(r, 3);
        for (int i = 0; i < n; i++) {
            Bytes b = new Bytes();
            b.text("\"").text(r.odd() ? pick(r, TAG_KEYS) : i < 3 ? List.of("host", "dc", "az").get(i)
                    : Spellings.labelName(i)).text("\":");
            if (r.odd() && chance(r, 0.2)) {
                b.text(pick(r, "1", "null", "\"\""));
            } else {
                b.text("\"").raw(pick(r, values)).text("\"");
            }
            out.add(b.toArray());
        }
        return out;
    }

    private static byte[] member(String key, String value) {
        return new Bytes().text("\"" + key + "\":" + value).toArray();
    }

    private static byte[] member(String key, byte[] value) {
        return new Bytes().text("\"" + key + "\":").raw(value).toArray();
    }

    private static String ws(Dice r) {
        return !r.odd() ? "" : pick(r, " ", "\n", "\t", "\r\n");
    }
}

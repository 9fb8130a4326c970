package io.tsgate.parity;

import static io.tsgate.parity.Spellings.ascii;
import static io.tsgate.parity.Spellings.chance;
import static io.tsgate.parity.Spellings.pick;

import java.util.List;

/**
 * Prometheus text exposition for {@code /api/v1/import/prometheus}: label values with the escapes the format
 * defines and those it does not, names with odd characters, braces and comments in odd places, repeated and empty
 * label names, whitespace around every token, odd numbers and timestamps in seconds, milliseconds and floats.
 */
final class PrometheusTextGrammar implements Grammar {
    private static final List<byte[]> VALUE_ATOMS = Spellings.asciiAll("\\\\", "\\\"", "\\n", "\\t", "\\x", "\\u00e9",
            "\\\\n", "\\ ", "#", "{", "}", ",", "=", "\\'", "'", "\\é", "\t", " ",
            "t", "x", "n", "\\");
    private static final List<String> NAMES = List.of("m", "m_a", "m:b", "_m", "m.x", "m-x", "m#x", "m1", "M", "é",
            "m\\x", "m}", "m=", "m\"");
    private static final List<String> LABEL_NAMES = List.of("a", "b", "a", "l", "__name__", "A", "a b", "", "é", "a.b");

    private static String name(Dice r) {
        return r.odd() ? pick(r, NAMES) : pick(r, "m", "n", "m_a");
    }

    @Override
    public String name() {
        return "prometheus";
    }

    @Override
    public Draft draft(Dice r) {
        List<byte[]> values = Spellings.pool(r, 2 + r.nextInt(3), VALUE_ATOMS);
        List<String> names = List.of(name(r), name(r));
        Bytes b = new Bytes();
        Twins twins = new Twins();
        int lines = 1 + r.nextInt(6);
        for (int i = 0; i < lines; i++) {
            if (r.odd()) {
                b.text(pick(r, "# HELP m x", "#", "# TYPE m counter", " # m 1", "\t# m 1", "#m 1", "  ", "\t"))
                        .text(Spellings.lineBreak(r));
            }
            line(r, b, names, values, twins);
            if (i + 1 < lines || chance(r, 0.7)) {
                b.text(Spellings.lineBreak(r));
            }
        }
        return new Draft("/api/v1/import/prometheus", List.of(), b.toArray(), "");
    }

    private static void line(Dice r, Bytes b, List<String> names, List<byte[]> values, Twins twins) {
        if (r.odd()) {
            b.text(pick(r, " ", "\t", "  "));
        }
        b.text(pick(r, names));
        if (chance(r, 0.8)) {
            if (r.odd()) {
                b.text(" ");
            }
            b.text("{");
            List<byte[]> labels = twins.next(r, () -> labels(r, values));
            b.raw(Twins.join(labels, r.odd() ? ", " : ","));
            if (!labels.isEmpty() && r.odd()) {
                b.text(",");
            }
            b.text("}");
        }
        b.text(r.odd() ? pick(r, "\t", "  ", " \t") : " ");
        b.text(Spellings.number(r));
        if (chance(r, 0.4)) {
            b.text(r.odd() ? "\t" : " ").text(timestamp(r));
        }
        if (r.odd()) {
            b.raw(ascii(pick(r, " ", "\t", " # c", "#c", " x", " 1 2", " {")));
        }
    }

    private static List<byte[]> labels(Dice r, List<byte[]> values) {
        List<byte[]> out = new java.util.ArrayList<>();
        int labels = Spellings.labelCount(r, 4);
        for (int j = 0; j < labels; j++) {
            out.add(new Bytes().text(r.odd() ? pick(r, LABEL_NAMES) : Spellings.labelName(j))
                    .text(r.odd() ? pick(r, " =", "= ", " = ") : "=").text("\"").raw(pick(r, values)).text("\"")
                    .toArray());
        }
        return out;
    }

    private static String timestamp(Dice r) {
        long ms = Spellings.BASE_MS + r.nextInt(1000) * 1000L;
        if (r.odd()) {
            return pick(r, (ms / 1000) + ".5", String.format("%.4e", (double) ms), "0", "-1", "+" + ms,
                    "0x" + Long.toHexString(ms), ms + "_0", "1e", "NaN", "Inf");
        }
        return chance(r, 0.8) ? Long.toString(ms) : Long.toString(ms / 1000); // OpenMetrics seconds
    }
}

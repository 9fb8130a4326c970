package io.tsgate.parity;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

/**
 * The risky atoms every grammar draws from. Most draws are ordinary, so most bodies are mostly valid and reach
 * storage; a few are odd, so each body carries one or two spellings where two parsers could disagree.
 */
final class Spellings {
    /** Milliseconds of 2023-11-14: inside VictoriaMetrics' retention for years, and fixed so cases reproduce. */
    static final long BASE_MS = 1_700_000_000_000L;

    /** Ordinary value bytes. */
    static final List<byte[]> TAME = List.of(ascii("a"), ascii("b"), ascii("ab"), ascii("c1"), hex("c3a9") /* é */);

    /** Byte sequences with no syntax role in any format: where UTF-8 handling can fold or split values. */
    static final List<byte[]> RAW = List.of(
            ascii("x y"),
            hex("65cc81"),         // e + combining acute: another spelling of é
            hex("ff"),             // never valid UTF-8
            hex("c3"),             // truncated two-byte sequence
            hex("c0af"),           // overlong '/'
            hex("eda080"),         // UTF-8 of a lone surrogate (CESU)
            hex("efbfbd"),         // U+FFFD, what a lenient decoder turns invalid bytes into
            hex("f09f9880"),       // four-byte emoji
            hex("e282"),           // truncated three-byte sequence
            hex("01"), hex("7f"),  // control characters
            hex("c4b0"),           // İ, which lower-cases to ASCII i + dot
            hex("c2a0"));          // non-breaking space

    /** Sample values as clients spell them; the first entries are the common ones. */
    static final List<String> ORDINARY_NUMBERS = List.of("1", "0", "2.5", "-3", "42", "1e3", "0.001");
    static final List<String> ODD_NUMBERS = List.of("+1", ".5", "5.", "-.5", "1E+3", "1e-3", "1_000", "0x1F", "0X1p3",
            "0x1.8p1", "Inf", "+Inf", "-Inf", "inf", "INF", "infinity", "Infinity", "NaN", "nan", "-NaN", "01", "00",
            "0b101", "0o17", "1e", "e1", "--1", "1.2.3", "1,5", "1f", "1e308", "1e309", "-0", "0x", "+", "-", ".",
            "1__0", "_1", "1_", "0x_1", "١", "1 ", "\t1", "0e0", "1.e2", ".e2", "0xG");

    private Spellings() {
    }

    static boolean chance(Random r, double p) {
        return r.nextDouble() < p;
    }

    static <T> T pick(Random r, List<T> xs) {
        return xs.get(r.nextInt(xs.size()));
    }

    @SafeVarargs
    static <T> T pick(Random r, T... xs) {
        return xs[r.nextInt(xs.length)];
    }

    /** A sample value's text: odd at the case's risk. */
    static String number(Dice r) {
        return r.odd() ? pick(r, ODD_NUMBERS) : pick(r, ORDINARY_NUMBERS);
    }

    /**
     * A value built from one to three atoms, each raw (no syntax role) or one of the format's own risky spellings
     * (escapes, quotes, separators), so that values in one body often differ only in a spelling.
     */
    static byte[] value(Dice r, List<byte[]> formatAtoms) {
        return join(atoms(r, formatAtoms));
    }

    private static List<byte[]> atoms(Dice r, List<byte[]> formatAtoms) {
        List<byte[]> atoms = new java.util.ArrayList<>();
        int n = 1 + r.nextInt(3);
        for (int i = 0; i < n; i++) {
            if (!r.odd()) {
                atoms.add(pick(r, TAME));
            } else {
                atoms.add(chance(r, 0.5) || formatAtoms.isEmpty() ? pick(r, RAW) : pick(r, formatAtoms));
            }
        }
        return atoms;
    }

    private static byte[] join(List<byte[]> atoms) {
        Bytes b = new Bytes();
        atoms.forEach(b::raw);
        return b.toArray();
    }

    /** A pool of {@code size} values a body's lines draw from, so lines collide or nearly collide. */
    static List<byte[]> pool(Dice r, int size, List<byte[]> formatAtoms) {
        byte[][] p = new byte[size][];
        for (int i = 0; i < size; i++) {
            List<byte[]> atoms = atoms(r, formatAtoms);
            if (i + 1 < size && chance(r, 0.35)) {
                // Two values alike but for sibling spellings at one place: what a folding parser counts as one.
                List<byte[]> family = pick(r, FAMILIES);
                int at = r.nextInt(atoms.size() + 1);
                List<byte[]> twin = new java.util.ArrayList<>(atoms);
                atoms.add(at, pick(r, family));
                twin.add(at, pick(r, family));
                p[i++] = join(atoms);
                p[i] = join(twin);
            } else {
                p[i] = join(atoms);
            }
        }
        return List.of(p);
    }

    /**
     * Spellings a parser may read alike but VictoriaMetrics stores apart (or the reverse): invalid UTF-8 sequences
     * and U+FFFD, composed and decomposed é, an escape and the character it names.
     */
    private static final List<List<byte[]>> FAMILIES = List.of(
            List.of(hex("ff"), hex("c3"), hex("c0af"), hex("eda080"), hex("e282"), hex("efbfbd"), hex("fe")),
            List.of(hex("c3a9"), hex("65cc81"), ascii("\\u00e9"), ascii("e"), ascii("\\é")),
            List.of(ascii("\\t"), ascii("t"), ascii("\t")),
            List.of(ascii("\\x"), ascii("x"), ascii("\\x41"), ascii("A")),
            List.of(ascii("\\n"), ascii("n"), ascii("\\\\n")),
            List.of(ascii("\\\\"), ascii("\\")),
            List.of(ascii("\\\""), ascii("\"")),
            List.of(ascii("\\/"), ascii("/")),
            List.of(ascii("\\ud800"), ascii("\\udc00"), hex("efbfbd"), hex("eda080")),
            List.of(ascii("\\,"), ascii(",")),
            List.of(ascii("\\ "), ascii(" ")),
            List.of(ascii("\\="), ascii("=")));

    /**
     * {@code rendered} with one occurrence of a family member replaced by a sibling, or null when it holds none:
     * applied to a record's rendered label, it makes a near-twin that only a folding parser reads as the same.
     */
    static byte[] mutate(Dice r, byte[] rendered) {
        List<int[]> hits = new java.util.ArrayList<>(); // {family, member, offset}
        for (int f = 0; f < FAMILIES.size(); f++) {
            List<byte[]> family = FAMILIES.get(f);
            for (int m = 0; m < family.size(); m++) {
                byte[] member = family.get(m);
                if (member.length == 1 && member[0] >= 0) {
                    continue; // a lone ASCII character is mostly syntax: swapping it tells little
                }
                for (int at = 0; at + member.length <= rendered.length; at++) {
                    if (java.util.Arrays.equals(rendered, at, at + member.length, member, 0, member.length)) {
                        hits.add(new int[] {f, m, at});
                    }
                }
            }
        }
        if (hits.isEmpty()) {
            return null;
        }
        int[] hit = pick(r, hits);
        byte[] from = FAMILIES.get(hit[0]).get(hit[1]);
        byte[] to = pick(r, FAMILIES.get(hit[0]));
        return new Bytes().raw(java.util.Arrays.copyOfRange(rendered, 0, hit[2])).raw(to)
                .raw(java.util.Arrays.copyOfRange(rendered, hit[2] + from.length, rendered.length)).toArray();
    }


    /**
     * How many labels a record gets besides its name: below {@code usual} mostly; now and then, at the case's risk,
     * around VictoriaMetrics' -maxLabelsPerTimeseries (30 in 1.79.5, 40 now), past which extra labels were dropped.
     */
    static int labelCount(Dice r, int usual) {
        return r.odd() && chance(r, 0.1) ? 26 + r.nextInt(18) : r.nextInt(usual);
    }

    /** The ordinary name of a record's label number {@code i}: a, b, c, then l3, l4, … */
    static String labelName(int i) {
        return i < 3 ? "abc".substring(i, i + 1) : "l" + i;
    }

    /** Between records: mostly newline, sometimes CRLF, blank lines or whitespace-only lines. */
    static String lineBreak(Dice r) {
        return !r.odd() ? "\n" : pick(r, "\r\n", "\n\n", "\r\n\r\n", "\n \n", "\n\t\n", "\r", "\n\r\n", "\n\n\n");
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static byte[] hex(String h) {
        byte[] b = new byte[h.length() / 2];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) Integer.parseInt(h.substring(2 * i, 2 * i + 2), 16);
        }
        return b;
    }

    static List<byte[]> asciiAll(String... s) {
        return java.util.Arrays.stream(s).map(Spellings::ascii).toList();
    }
}

package io.tsgate.ingest;

/**
 * What a JSON body must be for Jackson's strings to equal the bytes VictoriaMetrics stores. VictoriaMetrics parses
 * JSON with fastjson, which keeps raw bytes (invalid UTF-8 included) and, when unescaping, keeps a lone surrogate
 * escape such as {@code \ud800} as the six characters written (vendor/github.com/valyala/fastjson/parser.go,
 * unescapeStringBestEffort, at v1.79.5 and b7ef6cc3; checked against the real binary). Jackson would turn both into
 * '?' or U+FFFD, folding many stored series into one. So a counted JSON body must be valid UTF-8, hold no control
 * byte outside string escapes (a NUL would also let Jackson guess UTF-16), and every decoded string must be free of
 * lone surrogates; then Jackson's decoding and fastjson's agree byte for byte.
 */
final class JsonText {
    private JsonText() {
    }

    static void requireUtf8(byte[] b, int from, int to, String format) throws MalformedBodyException {
        int i = from;
        while (i < to) {
            int c = b[i] & 0xff;
            if (c < 0x80) {
                if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
                    throw refused(format, "a control byte outside a string escape");
                }
                i++;
                continue;
            }
            int more;
            int lo = 0x80;
            int hi = 0xbf;
            if (c >= 0xc2 && c <= 0xdf) {
                more = 1;
            } else if (c >= 0xe0 && c <= 0xef) {
                more = 2;
                lo = c == 0xe0 ? 0xa0 : 0x80;
                hi = c == 0xed ? 0x9f : 0xbf;
            } else if (c >= 0xf0 && c <= 0xf4) {
                more = 3;
                lo = c == 0xf0 ? 0x90 : 0x80;
                hi = c == 0xf4 ? 0x8f : 0xbf;
            } else {
                throw refused(format, "invalid UTF-8");
            }
            if (i + more >= to) {
                throw refused(format, "invalid UTF-8");
            }
            int second = b[i + 1] & 0xff;
            if (second < lo || second > hi) {
                throw refused(format, "invalid UTF-8");
            }
            for (int k = 2; k <= more; k++) {
                if ((b[i + k] & 0xc0) != 0x80) {
                    throw refused(format, "invalid UTF-8");
                }
            }
            i += more + 1;
        }
    }

    /** The decoded string, refused when it holds a surrogate without its partner. */
    static String checked(String s, String format) throws MalformedBodyException {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw refused(format, "a \\u escape of a lone surrogate, which VictoriaMetrics stores as written");
            }
        }
        return s;
    }

    private static MalformedBodyException refused(String format, String what) {
        return MalformedBodyException.malformed(format + ": " + what + " (refused: tsgate would count it"
                + " differently from what VictoriaMetrics stores)");
    }
}

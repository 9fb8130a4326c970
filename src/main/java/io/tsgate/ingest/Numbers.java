package io.tsgate.ingest;

/**
 * Which number texts VictoriaMetrics' parsers accept, decided by one left-to-right pass over the bytes (no regular
 * expressions: a backtracking pattern took minutes on a body of digits). Taken from fastjson's
 * {@code fastfloat/parse.go} as vendored by VictoriaMetrics: v1.6.3 at v1.79.5 (3282829e) and v1.6.10 at b7ef6cc3.
 * A text either version accepts is accepted, so a line one version stores is never taken for malformed.
 */
final class Numbers {
    /** fastfloat's fast path handles up to 18 integer characters (sign included); longer goes to strconv. */
    private static final int MAX_FAST_INT_CHARS = 18;
    /** fastfloat falls back to strconv once integer and fraction (dot included) reach 16 characters. */
    private static final int MAX_FAST_MANTISSA_CHARS = 16;
    private static final int MAX_FAST_EXPONENT = 300;
    private static final byte[] INT64_MAX = "9223372036854775807".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] INT64_MIN = "9223372036854775808".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] UINT64_MAX = "18446744073709551615".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private Numbers() {
    }

    static boolean isFloat(CharSequence s) {
        byte[] b = ascii(s);
        return b != null && isFloat(b, 0, b.length);
    }

    /**
     * Whether VictoriaMetrics stores an unquoted Influx field value (lib/protoparser/influx/parser.go
     * parseFieldValue, same at v1.79.5 and b7ef6cc3): a value ending in {@code i} or {@code u} must be an int64 or
     * uint64 before it; anything else non-empty is stored, as {@code fastfloat.ParseBestEffort} never fails (text
     * that is no number is stored as 0).
     */
    static boolean isInfluxValue(byte[] s, int from, int to) {
        if (from >= to) {
            return false;
        }
        return switch (s[to - 1]) {
            case 'i' -> isInt64(s, from, to - 1);
            case 'u' -> isUint64(s, from, to - 1);
            default -> true;
        };
    }

    static boolean isInfluxValue(CharSequence s) {
        byte[] b = ascii(s);
        return b != null && isInfluxValue(b, 0, b.length);
    }

    private static byte[] ascii(CharSequence s) {
        byte[] b = new byte[s.length()];
        for (int i = 0; i < b.length; i++) {
            char c = s.charAt(i);
            if (c >= 0x80) {
                return null;
            }
            b[i] = (byte) c;
        }
        return b;
    }

    /** {@code fastfloat.Parse}: decimal floats, {@code inf}, {@code infinity}, {@code nan} in any case. */
    static boolean isFloat(byte[] s, int from, int to) {
        if (from >= to) {
            return false;
        }
        int i = from;
        if (s[i] == '-') {
            i++;
            if (i >= to) {
                return false;
            }
        }
        if (s[i] == '.' && (i + 1 >= to || !digit(s[i + 1]))) {
            return false;
        }
        int j = i;
        while (i < to && digit(s[i])) {
            i++;
            if (i - from > MAX_FAST_INT_CHARS) {
                return goParseFloat(s, from, to);
            }
        }
        if (i == j && s[i] != '.') {
            int k = s[i] == '+' ? i + 1 : i;
            return equalsIgnoreCase(s, k, to, "inf") || equalsIgnoreCase(s, k, to, "infinity")
                    || equalsIgnoreCase(s, k, to, "nan");
        }
        if (i == to) {
            return true;
        }
        if (s[i] == '.') {
            i++;
            if (i == to) {
                return true; // v1.6.10 accepts "1." (v1.6.3 does not)
            }
            while (i < to && digit(s[i])) {
                i++;
                if (i - j >= MAX_FAST_MANTISSA_CHARS) {
                    return goParseFloat(s, from, to);
                }
            }
            if (i == to) {
                return true;
            }
        }
        if (s[i] != 'e' && s[i] != 'E') {
            return false;
        }
        i++;
        if (i < to && (s[i] == '+' || s[i] == '-')) {
            i++;
        }
        int k = i;
        int exp = 0;
        while (i < to && digit(s[i])) {
            exp = exp * 10 + s[i] - '0';
            i++;
            if (exp > MAX_FAST_EXPONENT) {
                return goParseFloat(s, from, to);
            }
        }
        return i > k && i == to;
    }

    /**
     * Go's {@code strconv.ParseFloat} syntax for the decimal texts fastfloat hands it (they start with a digit or a
     * dot after an optional '-'): digits with one optional dot, an optional exponent, underscores only between
     * digits. Out-of-range values are accepted, as fastfloat keeps the infinity strconv returns.
     */
    private static boolean goParseFloat(byte[] s, int from, int to) {
        int i = from;
        if (s[i] == '+' || s[i] == '-') {
            i++;
        }
        boolean underscores = false;
        boolean dot = false;
        boolean digits = false;
        for (; i < to; i++) {
            byte c = s[i];
            if (c == '_') {
                underscores = true;
            } else if (c == '.' && !dot) {
                dot = true;
            } else if (digit(c)) {
                digits = true;
            } else {
                break;
            }
        }
        if (!digits) {
            return false;
        }
        if (i < to && (s[i] == 'e' || s[i] == 'E')) {
            i++;
            if (i < to && (s[i] == '+' || s[i] == '-')) {
                i++;
            }
            if (i >= to || !digit(s[i])) {
                return false;
            }
            while (i < to && (digit(s[i]) || s[i] == '_')) {
                underscores |= s[i] == '_';
                i++;
            }
        }
        return i == to && (!underscores || underscoresBetweenDigits(s, from, to));
    }

    /** strconv's underscoreOK for decimal texts: each '_' has a digit on both sides. */
    private static boolean underscoresBetweenDigits(byte[] s, int from, int to) {
        int i = from < to && (s[from] == '+' || s[from] == '-') ? from + 1 : from;
        char saw = '^';
        for (; i < to; i++) {
            byte c = s[i];
            if (digit(c)) {
                saw = '0';
            } else if (c == '_') {
                if (saw != '0') {
                    return false;
                }
                saw = '_';
            } else {
                if (saw == '_') {
                    return false;
                }
                saw = '!';
            }
        }
        return saw != '_';
    }

    /** {@code fastfloat.ParseInt64}: optional '-', decimal digits, within int64. */
    static boolean isInt64(byte[] s, int from, int to) {
        boolean negative = from < to && s[from] == '-';
        return decimalWithin(s, negative ? from + 1 : from, to, negative ? INT64_MIN : INT64_MAX);
    }

    /** {@code fastfloat.ParseUint64}: decimal digits within uint64, no sign. */
    static boolean isUint64(byte[] s, int from, int to) {
        return decimalWithin(s, from, to, UINT64_MAX);
    }

    private static boolean decimalWithin(byte[] s, int from, int to, byte[] max) {
        if (from >= to) {
            return false;
        }
        int first = -1;
        for (int i = from; i < to; i++) {
            if (!digit(s[i])) {
                return false;
            }
            if (first < 0 && s[i] != '0') {
                first = i;
            }
        }
        if (first < 0) {
            return true;
        }
        int len = to - first;
        if (len != max.length) {
            return len < max.length;
        }
        return java.util.Arrays.compare(s, first, to, max, 0, max.length) <= 0;
    }

    private static boolean digit(byte c) {
        return c >= '0' && c <= '9';
    }

    private static boolean equalsIgnoreCase(byte[] s, int from, int to, String lower) {
        if (to - from != lower.length()) {
            return false;
        }
        for (int i = 0; i < lower.length(); i++) {
            int c = s[from + i];
            if (c >= 'A' && c <= 'Z') {
                c += 'a' - 'A';
            }
            if (c != lower.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}

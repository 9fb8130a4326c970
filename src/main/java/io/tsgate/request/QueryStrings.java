package io.tsgate.request;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Query strings and {@code application/x-www-form-urlencoded} bodies, decoded and encoded exactly as Go's
 * {@code net/url.ParseQuery} (which VictoriaMetrics uses) reads them.
 *
 * <p>tsgate authorizes what it decodes and VictoriaMetrics acts on what it decodes, so both must see the same
 * names and values. Anything Go would read differently or drop ({@code ;} since Go 1.17, bad {@code %XX},
 * bytes that are not UTF-8) is refused rather than guessed at.
 */
public final class QueryStrings {

    /**
     * The most parameters a forwarded query may carry when it holds a token's label filters. Go's
     * {@code url.ParseQuery} returns no values at all for a query with more than {@code urlmaxqueryparams} pairs
     * (10000 by default from Go 1.26, with backports to 1.24/1.25; counted as {@code '&'}s + 1), and current
     * VictoriaMetrics is built with Go 1.26.6 (deployment/docker/Makefile, commit b7ef6cc3): past that limit it would
     * read neither {@code extra_label} nor {@code extra_filters[]} and the request would run unconfined. The bound
     * leaves room for an operator's lower {@code GODEBUG=urlmaxqueryparams}.
     */
    public static final int MAX_CONFINED_PARAMS = 1000;

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private QueryStrings() {
    }

    /**
     * Decodes a raw query string (without the leading {@code ?}). Pairs split on {@code &}; empty pairs are skipped;
     * a pair without {@code =} is (name, ""); {@code +} is a space.
     *
     * @throws BadRequestException {@code query_semicolon}, or {@code query_bad_encoding} for raw characters outside
     *                             printable ASCII, bad percent-encoding or decoded bytes that are not UTF-8
     */
    public static List<QueryParam> parse(String rawQuery) throws BadRequestException {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return List.of();
        }
        for (int i = 0; i < rawQuery.length(); i++) {
            char c = rawQuery.charAt(i);
            if (c <= 0x20 || c >= 0x7F) {
                throw new BadRequestException(BadRequestException.QUERY_BAD_ENCODING,
                        "the query string must be percent-encoded ASCII");
            }
        }
        return decodePairs(rawQuery.getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * Decodes an {@code application/x-www-form-urlencoded} body with the same rules as {@link #parse(String)}.
     * Raw (unencoded) bytes are kept as Go keeps them, but the decoded text must be valid UTF-8.
     */
    public static List<QueryParam> parseForm(byte[] body) throws BadRequestException {
        if (body == null || body.length == 0) {
            return List.of();
        }
        return decodePairs(body);
    }

    /**
     * Encodes parameters as {@code a=b&c=d}, escaping every byte except the unreserved {@code A-Za-z0-9-_.~}, so that
     * Go's {@code url.ParseQuery} decodes exactly the same names and values in the same order.
     */
    public static String encode(List<QueryParam> params) {
        return appendEncoded(new StringBuilder(Math.min(1024, 32 * params.size())), params).toString();
    }

    /** {@link #encode} appended to {@code sb} (so a path and its query need one builder, not two strings). */
    public static StringBuilder appendEncoded(StringBuilder sb, List<QueryParam> params) {
        boolean first = true;
        for (QueryParam p : params) {
            if (!first) {
                sb.append('&');
            }
            first = false;
            escape(p.name(), sb);
            sb.append('=');
            escape(p.value(), sb);
        }
        return sb;
    }

    private static List<QueryParam> decodePairs(byte[] s) throws BadRequestException {
        List<QueryParam> out = new ArrayList<>();
        int start = 0;
        while (start <= s.length) {
            int end = indexOf(s, (byte) '&', start, s.length);
            if (end < 0) {
                end = s.length;
            }
            if (indexOf(s, (byte) ';', start, end) >= 0) {
                // Go >= 1.17 drops such pairs while older code split on ';': refuse the ambiguity.
                throw new BadRequestException(BadRequestException.QUERY_SEMICOLON,
                        "';' is not allowed in the query string or form body; encode it as %3B");
            }
            if (end > start) {
                int eq = indexOf(s, (byte) '=', start, end);
                if (eq < 0) {
                    out.add(new QueryParam(unescape(s, start, end), ""));
                } else {
                    out.add(new QueryParam(unescape(s, start, eq), unescape(s, eq + 1, end)));
                }
            }
            start = end + 1;
        }
        return out;
    }

    private static int indexOf(byte[] s, byte b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (s[i] == b) {
                return i;
            }
        }
        return -1;
    }

    private static String unescape(byte[] s, int from, int to) throws BadRequestException {
        if (isPlainAscii(s, from, to)) {
            // nothing to decode, and ASCII is valid UTF-8 that reads the same as Latin-1: no buffer, no decoder
            return new String(s, from, to - from, StandardCharsets.ISO_8859_1);
        }
        byte[] buf = new byte[to - from];
        int n = 0;
        for (int i = from; i < to; i++) {
            byte b = s[i];
            if (b == '%') {
                int hi = i + 2 < to ? hexValue(s[i + 1]) : -1;
                int lo = hi >= 0 ? hexValue(s[i + 2]) : -1;
                if (lo < 0) {
                    throw new BadRequestException(BadRequestException.QUERY_BAD_ENCODING,
                            "invalid percent-encoding in the query string or form body");
                }
                buf[n++] = (byte) (hi << 4 | lo);
                i += 2;
            } else if (b == '+') {
                buf[n++] = ' ';
            } else {
                buf[n++] = b;
            }
        }
        if (isPlainAscii(buf, 0, n)) {
            return new String(buf, 0, n, StandardCharsets.ISO_8859_1);
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(buf, 0, n))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new BadRequestException(BadRequestException.QUERY_BAD_ENCODING,
                    "the query string or form body does not decode to UTF-8 text");
        }
    }

    /** True when the bytes hold no escape ('%', '+') and nothing outside ASCII. */
    private static boolean isPlainAscii(byte[] s, int from, int to) {
        for (int i = from; i < to; i++) {
            byte b = s[i];
            if (b < 0 || b == '%' || b == '+') {
                return false;
            }
        }
        return true;
    }

    private static int hexValue(byte b) {
        if (b >= '0' && b <= '9') {
            return b - '0';
        }
        if (b >= 'a' && b <= 'f') {
            return b - 'a' + 10;
        }
        if (b >= 'A' && b <= 'F') {
            return b - 'A' + 10;
        }
        return -1;
    }

    private static void escape(String s, StringBuilder sb) {
        // ASCII (the usual case): runs of unreserved characters are appended whole, each char is its own UTF-8 byte
        int mark = sb.length();
        int run = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 0x80) {
                sb.setLength(mark);
                for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
                    escapeByte(b, sb);
                }
                return;
            }
            if (!isUnreserved(c)) {
                sb.append(s, run, i).append('%').append(HEX[c >> 4]).append(HEX[c & 0xF]);
                run = i + 1;
            }
        }
        sb.append(s, run, s.length());
    }

    private static boolean isUnreserved(int b) {
        return b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z' || b >= '0' && b <= '9'
                || b == '-' || b == '_' || b == '.' || b == '~';
    }

    private static void escapeByte(byte b, StringBuilder sb) {
        if (isUnreserved(b)) {
            sb.append((char) b);
        } else {
            sb.append('%').append(HEX[(b >> 4) & 0xF]).append(HEX[b & 0xF]);
        }
    }
}

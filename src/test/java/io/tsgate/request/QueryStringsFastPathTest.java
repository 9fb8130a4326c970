package io.tsgate.request;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The copy-free paths of {@link QueryStrings} (plain ASCII decoded without a buffer or decoder, ASCII encoded in
 * runs) give exactly what the byte-by-byte reference below gives, for random input that mixes escapes, {@code +},
 * raw non-ASCII bytes and invalid UTF-8. The reference is the straightforward reading of Go's {@code url.ParseQuery}
 * and {@code url.QueryEscape} rules these paths replaced.
 */
class QueryStringsFastPathTest {
    private static final String HEX = "0123456789ABCDEF";

    /** Reference decoding of one name or value: every byte through a buffer and a strict UTF-8 decoder. */
    private static String refUnescape(byte[] s) throws BadRequestException {
        byte[] buf = new byte[s.length];
        int n = 0;
        for (int i = 0; i < s.length; i++) {
            byte b = s[i];
            if (b == '%') {
                int hi = i + 2 < s.length ? Character.digit(s[i + 1], 16) : -1;
                int lo = hi >= 0 ? Character.digit(s[i + 2], 16) : -1;
                if (lo < 0) {
                    throw new BadRequestException(BadRequestException.QUERY_BAD_ENCODING, "bad");
                }
                buf[n++] = (byte) (hi << 4 | lo);
                i += 2;
            } else {
                buf[n++] = b == '+' ? (byte) ' ' : b;
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(buf, 0, n)).toString();
        } catch (CharacterCodingException e) {
            throw new BadRequestException(BadRequestException.QUERY_BAD_ENCODING, "bad");
        }
    }

    /** Reference form decoding: split on '&', skip empty pairs, split at the first '='. */
    private static String refParseForm(byte[] body) {
        try {
            List<QueryParam> out = new ArrayList<>();
            String text = new String(body, StandardCharsets.ISO_8859_1);
            if (text.indexOf(';') >= 0) {
                return "error";
            }
            for (String pair : text.split("&", -1)) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String name = eq < 0 ? pair : pair.substring(0, eq);
                String value = eq < 0 ? "" : pair.substring(eq + 1);
                out.add(new QueryParam(refUnescape(name.getBytes(StandardCharsets.ISO_8859_1)),
                        refUnescape(value.getBytes(StandardCharsets.ISO_8859_1))));
            }
            return out.toString();
        } catch (BadRequestException e) {
            return "error";
        }
    }

    private static String parseForm(byte[] body) {
        try {
            return QueryStrings.parseForm(body).toString();
        } catch (BadRequestException e) {
            return "error";
        }
    }

    private static String refEscape(String s) {
        StringBuilder sb = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            if (b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z' || b >= '0' && b <= '9'
                    || b == '-' || b == '_' || b == '.' || b == '~') {
                sb.append((char) b);
            } else {
                sb.append('%').append(HEX.charAt((b >> 4) & 0xF)).append(HEX.charAt(b & 0xF));
            }
        }
        return sb.toString();
    }

    @Test
    void formDecodingMatchesTheReferenceOnRandomBytes() {
        Random r = new Random(11);
        byte[] alphabet = {'a', 'Z', '0', '=', '&', '+', '%', '2', 'F', 'c', '3', (byte) 0xC3, (byte) 0xA9, (byte) 0xFF,
            ' ', '.', '~', 'e', '8'};
        for (int i = 0; i < 20_000; i++) {
            byte[] body = new byte[r.nextInt(24)];
            for (int j = 0; j < body.length; j++) {
                body[j] = alphabet[r.nextInt(alphabet.length)];
            }
            assertEquals(refParseForm(body), parseForm(body), () -> new String(body, StandardCharsets.ISO_8859_1));
        }
    }

    @Test
    void encodingMatchesTheReferenceOnRandomText() {
        Random r = new Random(12);
        String alphabet = "aZ09-_.~ =&+%/{}\"\u0000\u007f\u0080é€😀";
        for (int i = 0; i < 20_000; i++) {
            StringBuilder name = new StringBuilder();
            StringBuilder value = new StringBuilder();
            for (int j = r.nextInt(12); j > 0; j--) {
                name.appendCodePoint(alphabet.codePointAt(alphabet.offsetByCodePoints(0,
                        r.nextInt(alphabet.codePointCount(0, alphabet.length())))));
            }
            for (int j = r.nextInt(12); j > 0; j--) {
                value.appendCodePoint(alphabet.codePointAt(alphabet.offsetByCodePoints(0,
                        r.nextInt(alphabet.codePointCount(0, alphabet.length())))));
            }
            List<QueryParam> params = List.of(new QueryParam("x", "1"),
                    new QueryParam(name.toString(), value.toString()), new QueryParam(value.toString(), "é"));
            String want = "x=1&" + refEscape(name.toString()) + "=" + refEscape(value.toString()) + "&"
                    + refEscape(value.toString()) + "=" + refEscape("é");
            assertEquals(want, QueryStrings.encode(params));
            assertEquals("/p?" + want, QueryStrings.appendEncoded(new StringBuilder("/p?"), params).toString());
        }
    }
}

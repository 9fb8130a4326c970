package io.tsgate.auth;

/**
 * The byte-level shape of a compact JWS, checked before anything else looks at a token: exactly three segments, each
 * strict unpadded base64url (RFC 7515 §2): only {@code A-Z a-z 0-9 - _}, no {@code =} padding, a length that is not
 * 1 mod 4, and zero bits in the unused low bits of the last character.
 *
 * <p>Why strict: nimbus's decoder skips characters outside the alphabet and ignores the unused trailing bits, so
 * {@code sig!!}, {@code sig=}, {@code sig~} or a last character with other trailing bits decode to the same
 * signature. Each such spelling is a distinct cache key and a full signature check, turning one stolen token into
 * unlimited distinct strings that cost CPU. vmauth additionally maps standard-alphabet {@code +}/{@code /} to
 * base64url ({@code lib/jwt/jwt.go} {@code decodeB64}, VictoriaMetrics commit b7ef6cc3); tsgate refuses those too:
 * one token has exactly one spelling.
 */
final class CompactJwsShape {
    /** Value of each base64url character, -1 for anything else (index = char, ASCII only). */
    private static final byte[] VALUE = new byte[128];

    static {
        java.util.Arrays.fill(VALUE, (byte) -1);
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        for (int i = 0; i < alphabet.length(); i++) {
            VALUE[alphabet.charAt(i)] = (byte) i;
        }
    }

    private CompactJwsShape() {
    }

    /** Rejects {@code token} with {@code malformed_token} unless it is header.payload.signature, each strict. */
    static void check(String token) throws CredentialRejectedException {
        int dot1 = token.indexOf('.');
        int dot2 = dot1 < 0 ? -1 : token.indexOf('.', dot1 + 1);
        if (dot1 <= 0 || dot2 < 0 || token.indexOf('.', dot2 + 1) >= 0) {
            throw new CredentialRejectedException("malformed_token", "token is not a compact JWS (header.payload.signature)");
        }
        segment(token, 0, dot1, "header");
        segment(token, dot1 + 1, dot2, "payload");
        segment(token, dot2 + 1, token.length(), "signature");
    }

    private static void segment(String token, int from, int to, String name) throws CredentialRejectedException {
        if (!isStrictBase64Url(token, from, to)) {
            throw new CredentialRejectedException("malformed_token", "token " + name
                    + " is not unpadded base64url (only A-Z a-z 0-9 - _, no padding, canonical last character)");
        }
    }

    /** True when {@code s[from, to)} is strict unpadded base64url; linear, no allocation. */
    static boolean isStrictBase64Url(String s, int from, int to) {
        int rest = (to - from) % 4;
        if (rest == 1) {
            return false;
        }
        int last = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c >= VALUE.length || VALUE[c] < 0) {
                return false;
            }
            last = VALUE[c];
        }
        // 2 chars carry 12 bits for 8 (4 unused), 3 chars carry 18 bits for 16 (2 unused)
        return switch (rest) {
            case 2 -> (last & 0x0F) == 0;
            case 3 -> (last & 0x03) == 0;
            default -> true;
        };
    }
}

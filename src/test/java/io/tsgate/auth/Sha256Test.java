package io.tsgate.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The region digest (no copy of ASCII text) is the SHA-256 of the region's UTF-8 bytes, whatever the text. */
class Sha256Test {
    private static Sha256.Digest longs(byte[] d) {
        ByteBuffer b = ByteBuffer.wrap(d);
        return new Sha256.Digest(b.getLong(), b.getLong(), b.getLong(), b.getLong());
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 55, 56, 64, 700, 8191, 8192, 8193, 40_000})
    void regionDigestIsTheDigestOfTheSubstringsUtf8Bytes(int length) {
        Random r = new Random(length);
        for (String alphabet : new String[] {"abcXYZ019-_.", "aé€😀\u0000\u007f\u0080"}) {
            StringBuilder sb = new StringBuilder();
            while (sb.length() < length + 10) {
                sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
            }
            String text = sb.toString();
            int from = Math.min(3, text.length());
            int to = Math.min(from + length, text.length());
            assertEquals(longs(Sha256.of(text.substring(from, to))), Sha256.of(text, from, to), alphabet + " " + length);
        }
    }

    /** U+0141 and U+4E41 end in the byte of 'A': a copy that kept only low bytes would hash them as "A". */
    @ParameterizedTest
    @ValueSource(strings = {"\u0141", "\u4e41", "\u00c1", "\u0000\u0141"})
    void aCharWhoseLowByteIsAsciiDoesNotHashAsThatAsciiChar(String odd) {
        String token = "eyJhbGciOiJSUzI1NiJ9.e30.";
        String forged = "Bearer " + token + odd + "Z";
        Sha256.Digest real = Sha256.of(token + "AZ", 0, token.length() + 2);
        Sha256.Digest presented = Sha256.of(forged, 7, forged.length());
        assertNotEquals(real, presented);
        assertEquals(longs(Sha256.of(token + odd + "Z")), presented);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "abc", "eyJhbGciOiJSUzI1NiJ9.e30.c2ln"})
    void digestMatchesTheJdkAndDiffersForOtherText(String text) throws Exception {
        byte[] jdk = java.security.MessageDigest.getInstance("SHA-256")
                .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertArrayEquals(jdk, Sha256.of(text));
        assertEquals(longs(jdk), Sha256.of(text, 0, text.length()));
        assertNotEquals(Sha256.of(text + "x", 0, text.length() + 1), Sha256.of(text, 0, text.length()));
    }
}

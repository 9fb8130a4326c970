package io.tsgate.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Base64;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CompactJwsShapeTest {
    @ParameterizedTest(name = "\"{0}\" strict: {1}")
    @CsvSource(delimiter = '|', nullValues = "NULL", value = {
        "''         | true",   // empty segment: zero bytes
        "QQ         | true",   // 'A': 2 chars, low 4 bits of Q (16) are zero
        "QR         | false",  // same byte, unused bits set
        "QUI        | true",   // 'AB'
        "QUJ        | false",  // unused 2 bits set
        "QUJD       | true",
        "QUJDR      | false",  // length 1 mod 4 never encodes whole bytes
        "QUJD=      | false",  // padding
        "QQ==       | false",
        "QUJ+       | false",  // standard alphabet
        "QUJ/       | false",
        "QU-_       | true",
        "QU J       | false",
        "QU%4       | false",
        "QU~J       | false",
        "QUé_       | false"})
    void segmentTable(String segment, boolean strict) {
        assertEquals(strict, CompactJwsShape.isStrictBase64Url(segment, 0, segment.length()));
    }

    @Test
    void everyCanonicalEncodingIsStrictAndEveryOtherLastCharacterIsNot() {
        Random random = new Random(7);
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        for (int len = 0; len < 40; len++) {
            byte[] bytes = new byte[len];
            random.nextBytes(bytes);
            String s = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
            assertTrue(CompactJwsShape.isStrictBase64Url(s, 0, s.length()), s);
            if (s.isEmpty()) {
                continue;
            }
            int canonical = 0;
            for (char c : alphabet.toCharArray()) {
                String t = s.substring(0, s.length() - 1) + c;
                // a lenient decoder maps several last characters to the same bytes; strict keeps one per value
                canonical += CompactJwsShape.isStrictBase64Url(t, 0, t.length()) ? 1 : 0;
            }
            int expected = switch (s.length() % 4) {
                case 2 -> 4;   // 2 significant bits in the last character
                case 3 -> 16;  // 4 significant bits
                default -> 64; // full group: every character is a different byte
            };
            assertEquals(expected, canonical, "length " + s.length());
        }
    }

    @Test
    void checkNamesTheSegmentAndUsesOneReason() {
        CredentialRejectedException e = assertThrows(CredentialRejectedException.class,
                () -> CompactJwsShape.check("e30.e30.c2ln="));
        assertEquals("malformed_token", e.reason());
        assertTrue(e.getMessage().contains("signature"), e.getMessage());
        assertEquals("malformed_token", assertThrows(CredentialRejectedException.class,
                () -> CompactJwsShape.check("e30.e30")).reason());
        assertEquals("malformed_token", assertThrows(CredentialRejectedException.class,
                () -> CompactJwsShape.check(".e30.c2lu")).reason());
    }

    /** An empty header is no compact JWS at all; the message says so before any segment is looked at. */
    @Test
    void aTokenStartingWithADotIsNotACompactJws() {
        CredentialRejectedException e = assertThrows(CredentialRejectedException.class, () -> CompactJwsShape.check(".ab.cd"));
        assertEquals("malformed_token", e.reason());
        assertTrue(e.getMessage().contains("not a compact JWS"), e.getMessage());
    }

    /** Characters past ASCII are outside the alphabet table: refused, not looked up. */
    @Test
    void charactersPastAsciiAreRefused() {
        for (char c : new char[] {'\u0080', '\u00ff', '\u0100', '\uffff'}) {
            assertEquals(false, CompactJwsShape.isStrictBase64Url("A" + c, 0, 2), Integer.toHexString(c));
            assertThrows(CredentialRejectedException.class, () -> CompactJwsShape.check("AA.AA.A" + c));
        }
        assertEquals(false, CompactJwsShape.isStrictBase64Url("A\u007f", 0, 2));
        assertEquals(true, CompactJwsShape.isStrictBase64Url("AA", 0, 2));
    }
}

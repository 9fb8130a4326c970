package io.tsgate.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * JSON bodies must be strict UTF-8 without raw control bytes: checked against the JDK's strict UTF-8 decoder (which
 * refuses overlong forms, surrogates and code points past U+10FFFF, as Jackson's and Go's readings agree only then)
 * for every one- and two-byte sequence and the edges of the three- and four-byte ones, each alone, inside a larger
 * array and cut short by the range's end.
 */
class JsonTextTest {
    private static final int[] EDGES = {0x00, 0x0a, 0x1f, 0x20, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1,
        0xc2, 0xdf, 0xe0, 0xe1, 0xec, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf3, 0xf4, 0xf5, 0xff};

    private static boolean oracle(byte[] b) {
        for (byte x : b) {
            int c = x & 0xff;
            if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
                return false;
            }
        }
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    private static boolean accepted(byte[] array, int from, int to) {
        try {
            JsonText.requireUtf8(array, from, to, "test");
            return true;
        } catch (MalformedBodyException e) {
            return false;
        }
    }

    /** The sequence alone, between ASCII bytes, and followed outside the range by bytes that would complete it. */
    private static void check(byte[] seq) {
        String hex = HexFormat.of().formatHex(seq);
        boolean want = oracle(seq);
        assertEquals(want, accepted(seq, 0, seq.length), hex);
        byte[] framed = new byte[seq.length + 6];
        framed[0] = 'a';
        System.arraycopy(seq, 0, framed, 1, seq.length);
        framed[seq.length + 1] = 'b';
        Arrays.fill(framed, seq.length + 2, framed.length, (byte) 0x80);
        assertEquals(want, accepted(framed, 1, 1 + seq.length), "inside: " + hex);
        assertEquals(want, accepted(framed, 0, seq.length + 2),
                "with neighbours: " + hex);
        byte[] open = Arrays.copyOf(seq, seq.length + 3);
        Arrays.fill(open, seq.length, open.length, (byte) 0x80);
        assertEquals(want, accepted(open, 0, seq.length), "continuations after the range: " + hex);
    }

    @Test
    void everyOneAndTwoByteSequence() {
        for (int a = 0; a < 256; a++) {
            check(new byte[] {(byte) a});
            for (int b = 0; b < 256; b++) {
                check(new byte[] {(byte) a, (byte) b});
            }
        }
    }

    @Test
    void theEdgesOfThreeAndFourByteSequences() {
        for (int a : EDGES) {
            for (int b : EDGES) {
                for (int c : EDGES) {
                    check(new byte[] {(byte) a, (byte) b, (byte) c});
                    for (int d : new int[] {0x7f, 0x80, 0xbf, 0xc0}) {
                        check(new byte[] {(byte) a, (byte) b, (byte) c, (byte) d});
                    }
                }
            }
        }
    }

    @Test
    void loneSurrogatesInDecodedStringsAreRefused() throws Exception {
        assertEquals("a\uD83D\uDE00b", JsonText.checked("a\uD83D\uDE00b", "test"));
        for (String lone : new String[] {"\uD800", "a\uDC00", "\uD83Dx", "\uDE00\uD83D", "x\uD83D"}) {
            org.junit.jupiter.api.Assertions.assertThrows(MalformedBodyException.class, () -> JsonText.checked(lone, "t"),
                    lone);
        }
    }
}

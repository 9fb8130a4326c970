package io.tsgate.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * Number acceptance as fastjson's fastfloat decides it (vendor/github.com/valyala/fastjson/fastfloat/parse.go in
 * VictoriaMetrics: v1.6.3 at v1.79.5, 3282829e; v1.6.10 at b7ef6cc3). Where the versions differ ("1.", ".5") the
 * text is accepted: tsgate counts what either version stores.
 */
class NumbersTest {
    /**
     * The text alone (its array ends where the number ends), and inside a larger array with other bytes before and
     * after it: the answer must depend on [from, to) only.
     */
    private static boolean isFloat(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        boolean alone = Numbers.isFloat(b, 0, b.length);
        for (String[] around : new String[][] {{"77", ""}, {"-", "5_"}, {"", "e9"}}) {
            byte[] in = (around[0] + s + around[1]).getBytes(StandardCharsets.UTF_8);
            int from = around[0].length();
            assertEquals(alone, Numbers.isFloat(in, from, from + b.length), "'" + s + "' between " + Arrays.toString(around));
        }
        return alone;
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "0|true", "1|true", "-1|true", "1.5|true", "-1.5e3|true", "1e-3|true", "1E+3|true", "1.e5|true",
            "1.|true", ".5|true", "-.5|true", "NaN|true", "nan|true", "NAN|true", "Inf|true", "+Inf|true", "-Inf|true",
            "-inf|true", "infinity|true", "+Infinity|true", "-+inf|true",
            "+1|false", "1.2.3|false", ".|false", "-|false", "-.|false", ".e5|false", "1e|false", "1e+|false",
            "e5|false", "0x10|false", "1_000|false", "1.5x|false", "nanx|false", "++inf|false",
            "in|false", "1e5.5|false", "１|false",
            // Past fastfloat's fast path the whole text goes to Go's strconv.ParseFloat, which takes '_' between digits.
            "1234567890123456789|true", "1234567890123456789_0|true", "1234567890123456789__0|false",
            "1234567890123456789_|false", "1234567890123456789x|false", "1.234567890123456_7|true",
            "1e301|true", "1e3_01|false", "1e9999|true", "12345678901234567890e99999|true",
            // the fast path's limits exactly: 18 integer characters (sign included), 16 of mantissa, exponent 300
            "|false", "123456789012345678_0|false", "-12345678901234567_0|false", "-123456789012345678_0|true",
            "1.2345678901234_5|false", "1.23456789012345_6|true", "-1.2345678901234_5|false", "-1.23456789012345_6|true",
            "1e300_0|false", "1e301_0|true", "1.5e300_0|false", "1.5e301_0|true",
            // strconv's syntax past the fast path
            "-12345678901234567890|true", "12345678901234567890.5|true", "12345678901234567890.5.5|false",
            "12345678901234567890E5|true", "12345678901234567890e+5|true", "12345678901234567890e-5|true",
            "12345678901234567890e|false", "12345678901234567890e+|false", "12345678901234567890ex|false",
            "12345678901234567890e_5|false", "12345678901234567890e5_0|true", "12345678901234567890e5__0|false",
            "12345678901234567890e5_|false", "1234567890123456789_0_1|true", "1234567890123456789_.5|false",
            "12345678901234567890._5|false", "-_12345678901234567890|false",
            // past a fast-path limit, text strconv refuses
            "1.234567890123456x|false", "1e301x|false", "1234567890123456789x0|false"})
    void floatsAsFastfloatParsesThem(String text, boolean accepted) {
        assertEquals(accepted, isFloat(text == null ? "" : text), text);
    }

    @Test
    void whitespaceAndQuotesAreNoPartOfANumber() {
        for (String s : new String[] {"1 ", " 1", "1\t", "\t1", "1\r", "'1'", "\"1\"", "1\n"}) {
            assertFalse(isFloat(s), s);
        }
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "0|true", "-1|true", "9223372036854775807|true", "-9223372036854775808|true", "00009223372036854775807|true",
            "9223372036854775808|false", "-9223372036854775809|false", "+1|false", "-|false", "|false", "1.0|false"})
    void int64AsFastfloatParsesIt(String text, boolean accepted) {
        byte[] b = text == null ? new byte[0] : text.getBytes(StandardCharsets.UTF_8);
        assertEquals(accepted, Numbers.isInt64(b, 0, b.length), text);
    }

    @Test
    void uint64Bounds() {
        byte[] max = "18446744073709551615".getBytes(StandardCharsets.US_ASCII);
        byte[] over = "18446744073709551616".getBytes(StandardCharsets.US_ASCII);
        assertTrue(Numbers.isUint64(max, 0, max.length));
        assertFalse(Numbers.isUint64(over, 0, over.length));
        assertFalse(Numbers.isUint64(new byte[] {'-', '1'}, 0, 2));
    }

    @Test
    void influxValuesAreStoredUnlessAnIntegerSuffixFailsToParse() {
        for (String stored : new String[] {"1", "abc", "t", "FALSE", "\"x\"", "1i", "-5i", "7u", "1.5"}) {
            byte[] b = stored.getBytes(StandardCharsets.UTF_8);
            assertTrue(Numbers.isInfluxValue(b, 0, b.length), stored);
        }
        for (String rejected : new String[] {"", "1.5i", "hi", "-1u", "99999999999999999999i", "u"}) {
            byte[] b = rejected.getBytes(StandardCharsets.UTF_8);
            assertFalse(Numbers.isInfluxValue(b, 0, b.length), rejected);
        }
    }

    /** The text forms read a Java string as its ASCII bytes; a string with any other character is no number. */
    @Test
    void textFormsTakeAsciiOnly() {
        assertTrue(Numbers.isFloat("1.5"));
        assertFalse(Numbers.isFloat(""));
        assertFalse(Numbers.isFloat("1x"));
        assertFalse(Numbers.isFloat("1\u0080"));
        assertTrue(Numbers.isInfluxValue("7i"));
        assertTrue(Numbers.isInfluxValue("\u007f"), "DEL is ASCII: stored as the 0 it parses to");
        assertFalse(Numbers.isInfluxValue("\u0080"), "the first non-ASCII character");
        assertFalse(Numbers.isInfluxValue("\u00e9"));
        assertFalse(Numbers.isInfluxValue("x7i"));
        assertFalse(Numbers.isInfluxValue(""));
    }

    @Test
    void influxIntegersAreReadBetweenTheirBounds() {
        byte[] b = "5-12i,18446744073709551615u".getBytes(StandardCharsets.US_ASCII);
        assertTrue(Numbers.isInfluxValue(b, 1, 5), "-12i");
        assertFalse(Numbers.isInfluxValue(b, 0, 5), "5-12i");
        assertTrue(Numbers.isInfluxValue(b, 6, b.length), "uint64 max");
        assertFalse(Numbers.isInfluxValue(b, 5, 5), "empty");
        assertTrue(Numbers.isInt64(b, 1, 4), "-12");
        assertFalse(Numbers.isInt64(b, 1, 2), "a lone '-'");
    }

    /** The old pattern backtracked for minutes on such input (300k digits gzip to 338 bytes). */
    @Test
    void longDigitRunsAreDecidedInOnePass() {
        byte[] digits = new byte[3_000_000];
        Arrays.fill(digits, (byte) '1');
        byte[] tail = Arrays.copyOf(digits, digits.length + 1);
        tail[digits.length] = 'x';
        byte[] dotted = Arrays.copyOf(digits, digits.length);
        dotted[1] = '.';
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            assertTrue(Numbers.isFloat(digits, 0, digits.length));
            assertFalse(Numbers.isFloat(tail, 0, tail.length));
            assertTrue(Numbers.isFloat(dotted, 0, dotted.length));
            assertFalse(Numbers.isInt64(digits, 0, digits.length));
        });
    }
}

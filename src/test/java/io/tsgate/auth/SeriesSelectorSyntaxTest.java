package io.tsgate.auth;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SeriesSelectorSyntaxTest {
    @ParameterizedTest
    @ValueSource(strings = {
        "{env=~\"prod|dev\",team!=\"test\"}",
        "{a=\"b\"}",
        " { a = \"b\" , } ",
        "{a='b'}",
        "{a=`raw \\ value`}",
        "{__name__=~\"up|down\", job!~\"x.*\"}",
        "{a=\"esc \\\" \\\\ \\n \\t \\x41 \\u00e9 \\U0001F600 \\101\"}",
        "{a='it\\'s'}",
        "{a=\"\"}",
        "{_b1=\"ü\"}",
        "{a=\"\\177\\100\\0007\"}",
        "{Z=\"1\",z=\"2\",A9_=\"3\",a0=\"\"}",
    })
    void validSelectorIsAccepted(String s) {
        assertDoesNotThrow(() -> SeriesSelectorSyntax.check(s));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",
        "{}",
        "{ }",
        "up",
        "up{a=\"b\"}",
        "{a=\"b\"} or {c=\"d\"}",
        "{a=\"b\"}{c=\"d\"}",
        "{a=\"b\"",
        "{a=\"b}",
        "{a=b}",
        "{a==\"b\"}",
        "{a!\"b\"}",
        "{a~\"b\"}",
        "{1a=\"b\"}",
        "{a.b=\"c\"}",
        "{a=\"b\",,c=\"d\"}",
        "{,a=\"b\"}",
        "{a=\"b\" c=\"d\"}",
        "{a=\"\\q\"}",
        "{a=\"\\x4\"}",
        "{a=\"\\18\"}",
        "{a='\\\"'x}",
        "{a=\"line\nbreak\"}",
        "{a=`unterminated}",
        "{",
        "{a",
        "{a=\"\\",
        "{a=\"\\x4",
        "{a=\"\\1",
        "{a=\"\\17",
        "{a=\"\\u00e",
        "{a=\"\\uZZZZ\"}",
        "{a=\"\\U0001F60\"}",
        "{a=\"\\UZZZZZZZZ\"}",
        "{a=\"\\18\"}",
        "{a=\"\\8\"}",
        "{a=\"\\1/\"}",
    })
    void invalidSelectorIsRejected(String s) {
        assertThrows(IllegalArgumentException.class, () -> SeriesSelectorSyntax.check(s));
    }

    @Test
    void labelNamesFollowPrometheusRules() {
        assertTrue(SeriesSelectorSyntax.isLabelName("team_1"));
        assertTrue(SeriesSelectorSyntax.isLabelName("_x"));
        assertFalse(SeriesSelectorSyntax.isLabelName(""));
        assertFalse(SeriesSelectorSyntax.isLabelName("1x"));
        assertFalse(SeriesSelectorSyntax.isLabelName("a:b"));
    }

    /** Every character at the start and inside a name, against [a-zA-Z_][a-zA-Z0-9_]*. */
    @Test
    void eachCharacterIsJudgedAtTheStartAndInside() {
        for (char c = 0; c < 0x180; c++) {
            boolean letter = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_';
            boolean digit = c >= '0' && c <= '9';
            assertEquals(letter, SeriesSelectorSyntax.isLabelName(String.valueOf(c)), "start " + (int) c);
            assertEquals(letter || digit, SeriesSelectorSyntax.isLabelName("a" + c), "inside " + (int) c);
            assertEquals(letter, isValid("{" + c + "=\"v\"}"), "selector start " + (int) c);
        }
    }

    private static boolean isValid(String selector) {
        try {
            SeriesSelectorSyntax.check(selector);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}

package io.tsgate.auth;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
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
}

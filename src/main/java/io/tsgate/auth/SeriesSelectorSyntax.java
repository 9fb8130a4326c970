package io.tsgate.auth;

/**
 * Strict check that a string is exactly one label-matcher series selector, {@code {name op "value", …}}, as
 * {@code extra_filters} entries must be. VictoriaMetrics would accept more (a metric name in front, {@code or}
 * between selectors); tsgate refuses those in tokens because a filter like {@code {a="b"} or {x=~".*"}} would
 * widen access instead of narrowing it.
 *
 * <p>Grammar: {@code '{' [matcher {',' matcher} [',']] '}'} with at least one matcher; matcher is
 * {@code name ('=' | '!=' | '=~' | '!~') string}; name is {@code [a-zA-Z_][a-zA-Z0-9_]*}; string is a Go/PromQL
 * literal in double quotes, single quotes (both with Go escapes) or backticks (raw). Whitespace may surround any
 * token. Values are validated, not decoded: the selector is forwarded verbatim.
 */
public final class SeriesSelectorSyntax {
    private final String s;
    private int pos;

    private SeriesSelectorSyntax(String s) {
        this.s = s;
    }

    /** Throws {@link IllegalArgumentException} saying what is wrong and where, when {@code selector} is not one. */
    public static void check(String selector) {
        new SeriesSelectorSyntax(selector).selector();
    }

    /** True when {@code name} is a valid Prometheus label name. */
    public static boolean isLabelName(String name) {
        if (name.isEmpty() || !nameStart(name.charAt(0))) {
            return false;
        }
        for (int i = 1; i < name.length(); i++) {
            if (!namePart(name.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private void selector() {
        skipSpace();
        expect('{');
        skipSpace();
        if (peek() == '}') {
            throw error("selector has no label matcher");
        }
        while (true) {
            matcher();
            skipSpace();
            if (peek() == ',') {
                pos++;
                skipSpace();
                if (peek() == '}') {
                    break;
                }
                continue;
            }
            break;
        }
        expect('}');
        skipSpace();
        if (pos != s.length()) {
            throw error("unexpected text after '}'; exactly one selector {…} is allowed");
        }
    }

    private void matcher() {
        int start = pos;
        if (pos >= s.length() || !nameStart(s.charAt(pos))) {
            throw error("expected a label name");
        }
        while (pos < s.length() && namePart(s.charAt(pos))) {
            pos++;
        }
        if (start == pos) {
            throw error("expected a label name");
        }
        skipSpace();
        operator();
        skipSpace();
        string();
    }

    private void operator() {
        char c = peek();
        if (c == '=') {
            pos++;
            if (peek() == '~') {
                pos++;
            }
        } else if (c == '!') {
            pos++;
            char d = peek();
            if (d != '=' && d != '~') {
                throw error("expected '!=' or '!~'");
            }
            pos++;
        } else {
            throw error("expected one of =, !=, =~, !~");
        }
    }

    private void string() {
        char quote = peek();
        if (quote != '"' && quote != '\'' && quote != '`') {
            throw error("expected a quoted label value");
        }
        pos++;
        while (pos < s.length()) {
            char c = s.charAt(pos++);
            if (c == quote) {
                return;
            }
            if (quote == '`') {
                continue;
            }
            if (c == '\n') {
                throw error("newline inside a quoted value");
            }
            if (c == '\\') {
                escape(quote);
            }
        }
        throw error("unterminated quoted value");
    }

    private void escape(char quote) {
        if (pos >= s.length()) {
            throw error("unterminated escape");
        }
        char c = s.charAt(pos++);
        switch (c) {
            case 'a', 'b', 'f', 'n', 'r', 't', 'v', '\\' -> { }
            case 'x' -> hexDigits(2);
            case 'u' -> hexDigits(4);
            case 'U' -> hexDigits(8);
            case '0', '1', '2', '3', '4', '5', '6', '7' -> octalDigits();
            default -> {
                if (c != quote) {
                    throw error("invalid escape \\" + c);
                }
            }
        }
    }

    private void hexDigits(int n) {
        for (int i = 0; i < n; i++) {
            if (pos >= s.length() || Character.digit(s.charAt(pos), 16) < 0) {
                throw error("expected " + n + " hex digits in escape");
            }
            pos++;
        }
    }

    private void octalDigits() {
        for (int i = 0; i < 2; i++) {
            if (pos >= s.length() || s.charAt(pos) < '0' || s.charAt(pos) > '7') {
                throw error("expected 3 octal digits in escape");
            }
            pos++;
        }
    }

    private void expect(char c) {
        if (peek() != c) {
            throw error("expected '" + c + "'");
        }
        pos++;
    }

    private char peek() {
        return pos < s.length() ? s.charAt(pos) : '\0';
    }

    private void skipSpace() {
        while (pos < s.length() && (s.charAt(pos) == ' ' || s.charAt(pos) == '\t' || s.charAt(pos) == '\n'
                || s.charAt(pos) == '\r')) {
            pos++;
        }
    }

    private IllegalArgumentException error(String what) {
        return new IllegalArgumentException(what + " at offset " + pos);
    }

    private static boolean nameStart(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    }

    private static boolean namePart(char c) {
        return nameStart(c) || (c >= '0' && c <= '9');
    }
}

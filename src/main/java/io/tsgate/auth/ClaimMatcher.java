package io.tsgate.auth;

import com.google.re2j.Matcher;
import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One entry of a rule's {@code match_claims}: a claim path and the value it must have. A value written
 * {@code ^…$} is a regular expression matched against the whole value by RE2/J (linear time in the claim's length,
 * whatever the pattern); anything else is compared exactly. A claim with several values (a list) matches when any
 * value does.
 *
 * @param path    where the value is read
 * @param written the value as written in the rule
 * @param pattern the compiled expression, or null for an exact value
 */
public record ClaimMatcher(ClaimPath path, String written, Pattern pattern, String literalPrefix) {
    private static final String META = "\\.[]{}()*+?^$|";

    public ClaimMatcher(ClaimPath path, String written, Pattern pattern) {
        this(path, written, pattern, pattern == null ? "" : literalPrefix(written));
    }

    /**
     * The text every match must start with ({@code ^team-(…)$} → {@code team-}), checked before RE2/J runs: claims
     * fan out to many values and most rules start with a literal, so most values are refused without the engine.
     * Empty when the expression has an alternation anywhere or starts with anything but a literal.
     */
    static String literalPrefix(String expr) {
        if (expr.indexOf('|') >= 0) {
            return "";
        }
        int i = 1;
        while (i < expr.length() && META.indexOf(expr.charAt(i)) < 0) {
            i++;
        }
        // a quantifier after the last literal makes that one optional
        if (i < expr.length() && "*?{".indexOf(expr.charAt(i)) >= 0) {
            i--;
        }
        return i <= 1 ? "" : expr.substring(1, i);
    }
    /** Builds the matcher for one {@code match_claims} entry; a bad path or expression is an error naming both. */
    public static ClaimMatcher of(String path, String value) {
        ClaimPath p = ClaimPath.parse(path);
        if (value.length() >= 2 && value.startsWith("^") && value.endsWith("$")) {
            try {
                return new ClaimMatcher(p, value, Pattern.compile(value));
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("match_claims." + path + ": not a valid RE2 expression: "
                        + e.getMessage());
            }
        }
        return new ClaimMatcher(p, value, null);
    }

    public boolean regex() {
        return pattern != null;
    }

    /** Names of the expression's capture groups (placeholders a grant may use). */
    public List<String> groupNames() {
        return pattern == null ? List.of() : List.copyOf(pattern.namedGroups().keySet());
    }

    /**
     * The captures of every matching value of {@code values} (one map per match, empty maps for exact matches);
     * an empty list when nothing matches.
     */
    public List<Map<String, String>> matches(List<String> values) {
        List<Map<String, String>> out = new ArrayList<>();
        for (String v : values) {
            if (pattern == null) {
                if (written.equals(v)) {
                    out.add(Map.of());
                }
                continue;
            }
            if (!v.startsWith(literalPrefix)) {
                continue;
            }
            Matcher m = pattern.matcher(v);
            if (m.matches()) {
                out.add(captures(m));
            }
        }
        return out;
    }

    private Map<String, String> captures(Matcher m) {
        Map<String, Integer> groups = pattern.namedGroups();
        if (groups.isEmpty()) {
            return Map.of();
        }
        Map<String, String> c = new java.util.HashMap<>();
        for (Map.Entry<String, Integer> g : groups.entrySet()) {
            String v = m.group(g.getValue());
            if (v != null) {
                c.put(g.getKey(), v);
            }
        }
        return c;
    }

    /** The identity two rules compare to find identical matchers. */
    String key() {
        return String.join("\u0000", path.segments()) + (pattern == null ? "\u0001=" : "\u0001~") + written;
    }

    @Override
    public String toString() {
        return path + ": " + written;
    }
}

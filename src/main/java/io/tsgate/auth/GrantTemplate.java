package io.tsgate.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.tsgate.request.Tenant;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code vm_access} object an access rule grants, with {@code {{name}}} placeholders filled from the named
 * capture groups of the rule's expressions. The result has the shape of the claim and is read by the claim's own
 * parser ({@link VmAccessClaim}), so a rule can grant exactly what a token can, no more.
 *
 * <p>Claim values are hostile input, so a placeholder takes only what cannot change the meaning around it:
 * <ul>
 *   <li>a whole value {@code "{{x}}"} of a tenant id ({@code account_id}, {@code project_id} and every
 *       {@code *_account_id}/{@code *_project_id}) takes 1 to 10 digits within 0..2^32-1 and becomes a number;</li>
 *   <li>anywhere else inside a string (a label value, a selector) it takes 1 to 128 characters from
 *       {@code [A-Za-z0-9_.:@/-]}: no quote, brace, comma, equals sign, tilde, backslash, space or newline can
 *       reach a selector or a label.</li>
 * </ul>
 * A value outside its alphabet is not substituted: the rule grants nothing for that token. Placeholders are not
 * allowed in object keys, nor in selectors with a regex matcher ({@code =~}, {@code !~}), where even a dot widens;
 * in {@code logs_*}/{@code traces_*} filters (LogsQL) only as the double-quoted value of an exact filter
 * ({@code field:="…"}, {@code {field="…"}}), never in phrase, prefix or regex filters, which would match more than
 * the claim's value.
 */
public final class GrantTemplate {
    static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{([A-Za-z][A-Za-z0-9_]*)}}");
    private static final Pattern LABEL_TEXT = Pattern.compile("[A-Za-z0-9_.:@/-]{1,128}");
    private static final Pattern ID_TEXT = Pattern.compile("[0-9]{1,10}");

    private final ObjectNode template;
    private final Set<String> used;

    private GrantTemplate(ObjectNode template, Set<String> used) {
        this.template = template;
        this.used = Set.copyOf(used);
    }

    /**
     * Checks a rule's {@code vm_access}: an object with {@code mode}, placeholders only where allowed and only
     * naming {@code groups}; then reads it once through the claim parser with every placeholder filled by a harmless
     * stand-in, so that a grant the claim parser would refuse fails at load time, not per request.
     */
    public static GrantTemplate of(JsonNode vmAccess, Set<String> groups, String where) {
        if (vmAccess == null || !vmAccess.isObject()) {
            throw new IllegalArgumentException(where + ".vm_access: required, an object shaped like the vm_access claim");
        }
        if (!vmAccess.has("mode")) {
            throw new IllegalArgumentException(where + ".vm_access.mode: required in a rule (0 full, 1 read, 2 write,"
                    + " 3 read+write)");
        }
        Set<String> used = new LinkedHashSet<>();
        check(vmAccess, "", where + ".vm_access", groups, used);
        GrantTemplate t = new GrantTemplate(((ObjectNode) vmAccess).deepCopy(), used);
        try {
            VmAccessClaim.toAccess(t.fill(name -> "0"), "", "", java.time.Instant.EPOCH);
        } catch (CredentialRejectedException | Refused e) {
            throw new IllegalArgumentException(where + ".vm_access: " + e.getMessage());
        }
        return t;
    }

    /** Placeholder names this grant uses. */
    public Set<String> used() {
        return used;
    }

    /** Thrown when a captured value is outside the alphabet of the place it would go. */
    static final class Refused extends Exception {
        Refused(String message) {
            super(message, null, false, false);
        }
    }

    /** The grant with every placeholder replaced by {@code values.get(name)}; refused if a value does not fit. */
    public ObjectNode fill(java.util.function.Function<String, String> values) throws Refused {
        return (ObjectNode) fill(template, "", values);
    }

    private static JsonNode fill(JsonNode n, String key, java.util.function.Function<String, String> values)
            throws Refused {
        if (n.isObject()) {
            ObjectNode out = JsonNodeFactory.instance.objectNode();
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                out.set(e.getKey(), fill(e.getValue(), e.getKey(), values));
            }
            return out;
        }
        if (n.isArray()) {
            ArrayNode out = JsonNodeFactory.instance.arrayNode();
            for (JsonNode e : n) {
                out.add(fill(e, "", values));
            }
            return out;
        }
        if (!n.isTextual() || !n.textValue().contains("{{")) {
            return n;
        }
        String text = n.textValue();
        Matcher whole = PLACEHOLDER.matcher(text);
        if (isTenantId(key) && whole.matches()) {
            String v = values.apply(whole.group(1));
            if (v == null || !ID_TEXT.matcher(v).matches() || Long.parseLong(v) > Tenant.MAX_ID) {
                throw new Refused(key + " placeholder {{" + whole.group(1) + "}}: the claim value is not a tenant id");
            }
            return JsonNodeFactory.instance.numberNode(Long.parseLong(v));
        }
        Matcher m = PLACEHOLDER.matcher(text);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String v = values.apply(m.group(1));
            if (v == null || !LABEL_TEXT.matcher(v).matches()) {
                throw new Refused("placeholder {{" + m.group(1) + "}}: the claim value has characters outside"
                        + " [A-Za-z0-9_.:@/-] or is longer than 128");
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(v));
        }
        m.appendTail(sb);
        return JsonNodeFactory.instance.textNode(sb.toString());
    }

    private static void check(JsonNode n, String key, String where, Set<String> groups, Set<String> used) {
        if (n.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().contains("{{")) {
                    throw new IllegalArgumentException(where + ": placeholders are not allowed in names (" + e.getKey() + ")");
                }
                check(e.getValue(), e.getKey(), where + "." + e.getKey(), groups, used);
            }
        } else if (n.isArray()) {
            int i = 0;
            for (JsonNode e : n) {
                check(e, key, where + "[" + i++ + "]", groups, used);
            }
        } else if (n.isTextual()) {
            Matcher m = PLACEHOLDER.matcher(n.textValue());
            boolean any = false;
            while (m.find()) {
                any = true;
                if (!groups.contains(m.group(1))) {
                    throw new IllegalArgumentException(where + ": {{" + m.group(1) + "}} names no capture group of"
                            + " this rule's match_claims (write (?P<" + m.group(1) + ">…) in a ^…$ value)");
                }
                used.add(m.group(1));
            }
            String stripped = PLACEHOLDER.matcher(n.textValue()).replaceAll("");
            if (stripped.contains("{{") && stripped.contains("}}")) {
                throw new IllegalArgumentException(where + ": a placeholder is written {{name}}, name of letters,"
                        + " digits and _");
            }
            if (any && (n.textValue().contains("=~") || n.textValue().contains("!~"))) {
                throw new IllegalArgumentException(where + ": placeholders are not allowed in regex matchers (=~, !~):"
                        + " a claim value would be read as a regular expression; use = or !=");
            }
            if (any && (key.startsWith("logs_") || key.startsWith("traces_")) && !isTenantId(key)
                    && !onlyInsideDoubleQuotes(n.textValue())) {
                // LogsQL reads unquoted words with their own syntax (a leading - negates, : separates a field);
                // inside double quotes the alphabet above is plain text
                throw new IllegalArgumentException(where + ": in a LogsQL filter a placeholder is the quoted value of"
                        + " an exact filter, field:=\"{{name}}\" or {field=\"{{name}}\"} (a phrase, prefix or regex"
                        + " filter would match more than the claim's value)");
            }
            if (any && isTenantId(key) && !PLACEHOLDER.matcher(n.textValue()).matches()) {
                throw new IllegalArgumentException(where + ": a tenant id placeholder is the whole value, \"{{name}}\"");
            }
        }
    }

    /**
     * True when every placeholder of a LogsQL filter lies inside a double-quoted string as VictoriaLogs' lexer reads
     * it ({@code lib/logstorage/parser.go nextToken}, VictoriaLogs 7c0626e): strings in {@code "…"}, {@code '…'} and
     * {@code `…`}. A {@code #} comment is scanned as text, which is only stricter: a quote it hides would have to
     * open a string across its newline, which counts as unquoted. Text placed next to quotes is not enough:
     * {@code ""{{x}}""} is two empty strings around an unquoted word. Quoting this scan cannot read exactly (an
     * escape other than the quote or backslash, a newline in a quoted string, an unclosed quote) counts as unquoted.
     */
    static boolean onlyInsideDoubleQuotes(String text) {
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '{' && PLACEHOLDER.matcher(text).region(i, text.length()).lookingAt()) {
                return false;
            }
            if (c == '"' || c == '\'' || c == '`') {
                int end = closingQuote(text, i);
                if (end < 0) {
                    return false;
                }
                if (PLACEHOLDER.matcher(text.substring(i, end)).find() && !exactFilterString(text, i, end)) {
                    return false;
                }
                i = end + 1;
                continue;
            }
            i++;
        }
        return true;
    }

    /**
     * True when the string from {@code open} to {@code close} is the value of an exact filter: double-quoted, after
     * {@code =} ({@code field:="…"}, a stream filter's {@code {f="…"}}) but not {@code !=}, {@code >=} or {@code <=}
 * (negation and ranges), and not followed by
     * {@code *} (a prefix filter). A phrase filter ({@code field:"…"}) matches any value holding the claim's words,
     * and {@code ~} filters read it as a regular expression.
     */
    private static boolean exactFilterString(String text, int open, int close) {
        return text.charAt(open) == '"' && open > 0 && text.charAt(open - 1) == '='
                && (open < 2 || "!~<>".indexOf(text.charAt(open - 2)) < 0)
                && (close + 1 == text.length() || text.charAt(close + 1) != '*');
    }

    /** Index of the quote closing the string opened at {@code open}, or -1 when this scan cannot tell. */
    private static int closingQuote(String text, int open) {
        char q = text.charAt(open);
        for (int j = open + 1; j < text.length(); j++) {
            char ch = text.charAt(j);
            if (ch == q) {
                return j;
            }
            if (q == '`') {
                continue;
            }
            if (ch == '\n' || ch == '\\' && (j + 1 == text.length()
                    || text.charAt(j + 1) != q && text.charAt(j + 1) != '\\')) {
                return -1;
            }
            if (ch == '\\') {
                j++;
            }
        }
        return -1;
    }

    private static boolean isTenantId(String key) {
        return key.equals("account_id") || key.equals("project_id") || key.endsWith("_account_id")
                || key.endsWith("_project_id");
    }
}

package io.tsgate.auth;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An immutable set of access rules ({@code -auth.accessRules}) and how a token's claims select one: every rule whose
 * matchers all match is a candidate; the most specific wins ({@link AccessRule#bySpecificity}). Two candidates
 * equally specific are a tie, refused (403 {@code access_rule_tie}) rather than settled by file order, and so is a
 * winner whose placeholder would take different values from different list elements. No candidate: the caller
 * decides (the token's own {@code vm_access}, or 403 {@code no_access_rule}).
 *
 * <p>Identical matcher sets in two rules are refused when the file is loaded. Each claim path is read once per token
 * however many rules name it, within {@link ClaimPath}'s bounds; a path over them, in a rule whose other matchers
 * match, is 403 {@code claims_too_large}: skipping that rule could let a broader one win.
 */
public final class AccessRules {
    /** No rules: every token needs its own {@code vm_access}. */
    public static final AccessRules NONE = new AccessRules(List.of(), "");

    private final List<AccessRule> rules;
    private final String source;

    /** @param rules in specificity order is not required; they are sorted here (stable, so file order breaks nothing) */
    public AccessRules(List<AccessRule> rules, String source) {
        List<AccessRule> sorted = new ArrayList<>(rules);
        sorted.sort(AccessRule::bySpecificity);
        this.rules = List.copyOf(sorted);
        this.source = source;
    }

    public boolean isEmpty() {
        return rules.isEmpty();
    }

    public int size() {
        return rules.size();
    }

    /** Rules, most specific first. */
    public List<AccessRule> rules() {
        return rules;
    }

    /** The rule these claims select and its grant; null when no rule matches. */
    public RuleMatch match(JsonNode claims) throws CredentialRejectedException {
        Map<String, List<String>> read = new HashMap<>();
        AccessRule winner = null;
        List<Map<String, String>> winnerCaptures = null;
        for (AccessRule r : rules) {
            if (winner != null && AccessRule.bySpecificity(winner, r) < 0) {
                break;
            }
            List<Map<String, String>> captures = captures(r, claims, read);
            if (captures == null) {
                continue;
            }
            if (winner != null) {
                throw new CredentialRejectedException("access_rule_tie", "access rules " + winner.name() + " and "
                        + r.name() + " match this token equally; make one more specific", 403);
            }
            winner = r;
            winnerCaptures = captures;
        }
        if (winner == null) {
            return null;
        }
        uncorrelated(winner, claims);
        Map<String, String> values = bind(winner, winnerCaptures);
        try {
            return new RuleMatch(winner, winner.grant().fill(values::get));
        } catch (GrantTemplate.Refused e) {
            throw new CredentialRejectedException("no_access_rule", "access rule " + winner.name() + " matches but "
                    + e.getMessage(), 403);
        }
    }

    /**
     * The captures of each matcher of {@code r} (flattened: one map per matcher, the union of what its matching
     * values captured, a group seen with two values mapped to null); null when some matcher does not match.
     */
    private static List<Map<String, String>> captures(AccessRule r, JsonNode claims, Map<String, List<String>> read)
            throws CredentialRejectedException {
        List<Map<String, String>> out = new ArrayList<>(r.matchers().size());
        ClaimMatcher tooLarge = null;
        for (ClaimMatcher m : r.matchers()) {
            List<String> values = read.computeIfAbsent(m.path().text(), k -> m.path().values(claims));
            if (values == null) {
                tooLarge = m;
                out.add(Map.of());
                continue;
            }
            List<Map<String, String>> hits = m.matches(values);
            if (hits.isEmpty()) {
                return null;
            }
            Map<String, String> merged = new HashMap<>();
            for (Map<String, String> h : hits) {
                for (Map.Entry<String, String> e : h.entrySet()) {
                    boolean clash = merged.containsKey(e.getKey()) && !e.getValue().equals(merged.get(e.getKey()));
                    merged.put(e.getKey(), clash ? null : e.getValue());
                }
            }
            out.add(merged);
        }
        if (tooLarge != null) {
            // the rule may match and may outrank the one that would otherwise win: no decision is safe
            throw new CredentialRejectedException("claims_too_large", "access rule " + r.name() + " reads "
                    + tooLarge.path() + ", which holds more values than rules read; the rule cannot be decided", 403);
        }
        return out;
    }

    /**
     * Matchers are evaluated one by one, so two of them reading fields of one array of objects ({@code orgs.name},
     * {@code orgs.role}) could be satisfied by two different elements: viewer of one org and admin of another would
     * read as admin of the first. When the winner's matchers share leading names that pass through an array of more
     * than one element, which element matched is ambiguous: refused like a tie rather than guessed.
     */
    private static void uncorrelated(AccessRule r, JsonNode claims) throws CredentialRejectedException {
        List<ClaimMatcher> ms = r.matchers();
        for (int i = 0; i < ms.size(); i++) {
            for (int j = i + 1; j < ms.size(); j++) {
                List<String> a = ms.get(i).path().segments();
                List<String> b = ms.get(j).path().segments();
                int shared = 0;
                while (shared < a.size() - 1 && shared < b.size() - 1 && a.get(shared).equals(b.get(shared))) {
                    shared++;
                }
                if (shared > 0 && ms.get(i).path().fansOut(claims, shared)) {
                    throw new CredentialRejectedException("access_rule_tie", "access rule " + r.name() + ": "
                            + ms.get(i).path() + " and " + ms.get(j).path() + " may match different elements of"
                            + " one array", 403);
                }
            }
        }
    }

    /** The value of each placeholder the grant uses; two list elements capturing differently are a tie. */
    private static Map<String, String> bind(AccessRule r, List<Map<String, String>> captures)
            throws CredentialRejectedException {
        Map<String, String> values = new HashMap<>();
        for (Map<String, String> c : captures) {
            for (Map.Entry<String, String> e : c.entrySet()) {
                if (!r.grant().used().contains(e.getKey())) {
                    continue;
                }
                if (e.getValue() == null) {
                    throw new CredentialRejectedException("access_rule_tie", "access rule " + r.name()
                            + ": several claim values give {{" + e.getKey() + "}} different values", 403);
                }
                values.put(e.getKey(), e.getValue());
            }
        }
        return values;
    }

    /**
     * For {@code tsgate check}: one line per rule, most specific first, saying whether the claims match it and, for
     * the first matcher that fails, which claim.
     */
    public List<String> explain(JsonNode claims) {
        List<String> lines = new ArrayList<>();
        Map<String, List<String>> read = new HashMap<>();
        for (AccessRule r : rules) {
            String miss = null;
            for (ClaimMatcher m : r.matchers()) {
                List<String> values = read.computeIfAbsent(m.path().text(), k -> m.path().values(claims));
                if (values == null) {
                    miss = m.path() + " has too many values";
                } else if (m.matches(values).isEmpty()) {
                    miss = m.path() + (values.isEmpty() ? " is absent" : " does not match " + m.written());
                }
                if (miss != null) {
                    break;
                }
            }
            lines.add(r.name() + " (" + r.exactCount() + " exact, " + r.regexCount() + " expression): "
                    + (miss == null ? "matches" : "no, " + miss));
        }
        return lines;
    }

    @Override
    public String toString() {
        return rules.size() + " access rule(s)" + (source.isEmpty() ? "" : " from " + source);
    }
}

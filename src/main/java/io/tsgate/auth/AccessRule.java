package io.tsgate.auth;

import java.util.List;

/**
 * One access rule: when every matcher matches the token's claims, the token gets {@code grant}.
 *
 * @param name     the rule's {@code name}, or {@code rules[i]} when it has none; shown by {@code tsgate check}
 * @param matchers the claims to match, all of them
 * @param grant    the {@code vm_access} granted, with placeholders
 */
public record AccessRule(String name, List<ClaimMatcher> matchers, GrantTemplate grant) {
    public AccessRule {
        matchers = List.copyOf(matchers);
    }

    /** Exact matchers; a rule with more of them is more specific. */
    public int exactCount() {
        return (int) matchers.stream().filter(m -> !m.regex()).count();
    }

    /** Expression matchers; among rules with as many exact matchers, more of these is more specific. */
    public int regexCount() {
        return matchers.size() - exactCount();
    }

    /**
     * Orders rules by specificity, most specific first: more exact matchers, then more expression matchers. An exact
     * value thus beats an expression on the same claim, and a rule matching a superset of another's claims beats it.
     */
    public static int bySpecificity(AccessRule a, AccessRule b) {
        int c = Integer.compare(b.exactCount(), a.exactCount());
        return c != 0 ? c : Integer.compare(b.regexCount(), a.regexCount());
    }

    @Override
    public String toString() {
        return name + " " + matchers;
    }
}

package io.tsgate.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Attacks on access rules: claim shapes and grant templates that would widen what a token gets. */
class AccessRulesAttackTest {
    private static final Instant NOW = Instant.ofEpochSecond(1_900_000_000L);
    private final ClaimsParser parser = new ClaimsParser("", "", Duration.ZERO);

    private Access parse(AccessRules rules, String claims) throws CredentialRejectedException {
        return parser.parse(ClaimsParser.readPayload("{\"exp\":1900000600," + claims + "}"), NOW, "kid",
                SourceBinding.NONE, rules, false);
    }

    /**
     * A rule naming two fields of one array of objects ({@code orgs.name} and {@code orgs.role}) means one
     * membership: "admin of acme". A token that is viewer of acme and admin of another org must not get acme's admin
     * grant by combining fields of two different elements.
     */
    @Test
    void twoMatchersIntoOneArrayOfObjectsMustMatchTheSameElement() {
        AccessRules r = AccessRulesFile.parse("""
                rules:
                  - name: acme-admin
                    match_claims: {"orgs.name": acme, "orgs.role": admin}
                    vm_access: {tenant_id: {account_id: 7}, mode: 0}
                """, "test.yaml");
        CredentialRejectedException e = assertThrows(CredentialRejectedException.class, () -> parse(r,
                "\"orgs\":[{\"name\":\"acme\",\"role\":\"viewer\"},{\"name\":\"other\",\"role\":\"admin\"}]"),
                "viewer of acme + admin of other must not be admin of acme");
        assertEquals(403, e.status());
        assertEquals("access_rule_tie", e.reason());
    }

    /** One membership, or several fields of one object, still match. */
    @Test
    void oneElementOrPlainNestedObjectsStillMatch() throws Exception {
        AccessRules r = AccessRulesFile.parse("""
                rules:
                  - name: acme-admin
                    match_claims: {"orgs.name": acme, "orgs.role": admin}
                    vm_access: {tenant_id: {account_id: 7}, mode: 0}
                  - name: realm
                    match_claims: {"realm.a": x, "realm.b": "y"}
                    vm_access: {tenant_id: {account_id: 8}, mode: 0}
                """, "test.yaml");
        assertEquals(7, parse(r, "\"orgs\":[{\"name\":\"acme\",\"role\":\"admin\"}]").tenant().accountId());
        assertEquals(8, parse(r, "\"realm\":{\"a\":[\"x\",\"z\"],\"b\":\"y\"}").tenant().accountId(),
                "a list at the end of a path is any-element, not ambiguous");
    }

    /** Same with a placeholder: the org captured from one element, the role from another. */
    @Test
    void aPlaceholderAndARoleFromDifferentElementsGrantNothing() {
        AccessRules r = AccessRulesFile.parse("""
                rules:
                  - name: org-admin
                    match_claims: {"orgs.id": "^(?P<acct>[0-9]+)$", "orgs.role": admin}
                    vm_access: {tenant_id: {account_id: "{{acct}}"}, mode: 0}
                """, "test.yaml");
        CredentialRejectedException e = assertThrows(CredentialRejectedException.class, () -> parse(r,
                "\"orgs\":[{\"id\":\"42\",\"role\":\"viewer\"},{\"role\":\"admin\"}]"),
                "viewer of 42 + admin of an element without id must not be admin of 42");
        assertEquals(403, e.status());
    }

    /**
     * In a LogsQL filter a placeholder must sit inside a quoted string. {@code ""{{t}}""} holds the text
     * {@code "{{t}}"} but LogsQL reads it as an empty phrase, the unquoted value, and another empty phrase: the claim
     * value {@code or} turns {@code team:""{{t}}""} into {@code team:"" or ""}, which matches every log with an
     * empty message.
     */
    @Test
    void aLogsPlaceholderBetweenTwoEmptyQuotedStringsIsUnquotedAndRefusedAtLoad() {
        for (String filter : java.util.List.of("team:\"\"{{t}}\"\"", "\"a\" \"\"{{t}}\"\"")) {
            String yaml = "rules: [{match_claims: {g: \"^(?P<t>.*)$\"}, vm_access: {logs_account_id: 1, "
                    + "logs_extra_filters: ['" + filter + "'], mode: 1}}]";
            assertThrows(IllegalArgumentException.class, () -> AccessRulesFile.parse(yaml, "test.yaml"), filter);
        }
        for (String filter : java.util.List.of("team:=\"{{t}}\"", "_msg:=\"x \\\"{{t}}\\\" y\"",
                "a:\"\" b:=\"{{t}}\"")) {
            String yaml = "rules: [{match_claims: {g: \"^(?P<t>.*)$\"}, vm_access: {logs_account_id: 1, "
                    + "logs_extra_filters: ['" + filter + "'], mode: 1}}]";
            AccessRulesFile.parse(yaml, "test.yaml");
        }
    }

    /**
     * A quoted placeholder is only as narrow as the LogsQL filter around it. {@code team:"{{t}}"} is a phrase
     * (full-text) filter: the claim value {@code payments} also reads team {@code payments-admin}, a word of it;
     * {@code team:~"{{t}}"} is an unanchored regex, where {@code .} in a claim value is a wildcard; {@code :="{{t}}"*}
     * is a prefix filter. Like {@code =~} in selectors, these are refused at load; exact filters ({@code :=},
     * stream {@code {team="…"}}) load.
     */
    @Test
    void logsPlaceholdersOnlyInExactFilters() {
        for (String filter : java.util.List.of("team:\"{{t}}\"", "\"{{t}}\"", "team:~\"{{t}}\"", "~\"{{t}}\"",
                "team:=\"{{t}}\"*", "{team!=\"{{t}}\"}", "team:>=\"{{t}}\"")) {
            String yaml = "rules: [{match_claims: {g: \"^(?P<t>.*)$\"}, vm_access: {logs_account_id: 1, "
                    + "logs_extra_filters: ['" + filter + "'], mode: 1}}]";
            assertThrows(IllegalArgumentException.class, () -> AccessRulesFile.parse(yaml, "test.yaml"), filter);
        }
        for (String filter : java.util.List.of("team:=\"{{t}}\"", "_stream:{team=\"{{t}}\"}",
                "{team=\"{{t}}\"} team:=\"x-{{t}}\"")) {
            String yaml = "rules: [{match_claims: {g: \"^(?P<t>.*)$\"}, vm_access: {logs_account_id: 1, "
                    + "logs_extra_filters: ['" + filter + "'], logs_extra_stream_filters: ['{team=\"{{t}}\"}'],"
                    + " mode: 1}}]";
            AccessRulesFile.parse(yaml, "test.yaml");
        }
    }

    /**
     * A more specific rule restricts a broader one (contractor admins read only). A claim the user can grow (joining
     * many orgs) past the read bounds made the restricting rule "match nothing", so the broader rule won: a bound
     * meant to cap cost must not pick a wider grant.
     */
    @Test
    void aClaimOverTheReadBoundsCannotSkipAMoreSpecificRule() {
        AccessRules r = AccessRulesFile.parse("""
                rules:
                  - name: contractor-admins
                    match_claims: {groups: admin, "orgs.type": contractor}
                    vm_access: {tenant_id: {account_id: 1}, mode: 1}
                  - name: admins
                    match_claims: {groups: admin}
                    vm_access: {tenant_id: {account_id: 1}, mode: 0}
                """, "test.yaml");
        StringBuilder orgs = new StringBuilder("\"groups\":[\"admin\"],\"orgs\":[");
        for (int i = 0; i < ClaimPath.MAX_VALUES + 1; i++) {
            orgs.append(i == 0 ? "" : ",").append("{\"type\":\"contractor\"}");
        }
        orgs.append(']');
        CredentialRejectedException e = assertThrows(CredentialRejectedException.class, () -> parse(r,
                orgs.toString()), "a contractor with many orgs must not fall through to the full-access rule");
        assertEquals(403, e.status());
    }
}

package io.tsgate.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tsgate.request.Label;
import io.tsgate.request.Tenant;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Access rules: matching, specificity, placeholders with hostile claim values, precedence over vm_access. */
class AccessRulesTest {
    private static final Instant NOW = Instant.ofEpochSecond(1_900_000_000L);
    private static final String EXP = "\"exp\":1900000600";
    private final ClaimsParser parser = new ClaimsParser("", "", Duration.ZERO);

    static AccessRules rules(String yaml) {
        return AccessRulesFile.parse(yaml, "test.yaml");
    }

    private Access parse(AccessRules rules, boolean rulesFirst, String claims) throws CredentialRejectedException {
        return parser.parse(ClaimsParser.readPayload("{" + EXP + "," + claims + "}"), NOW, "kid", SourceBinding.NONE,
                rules, rulesFirst);
    }

    private Access parse(AccessRules rules, String claims) throws CredentialRejectedException {
        return parse(rules, false, claims);
    }

    private CredentialRejectedException denied(AccessRules rules, String claims) {
        return assertThrows(CredentialRejectedException.class, () -> parse(rules, claims));
    }

    private static final AccessRules TEAMS = rules("""
            rules:
              - name: dev
                match_claims: {groups: team-dev}
                vm_access: {tenant_id: {account_id: 1, project_id: 2}, extra_labels: {team: dev}, mode: 1}
              - name: any-vm-role
                match_claims: {"realm_access.roles": "^vm-.*$"}
                vm_access: {tenant_id: {account_id: 9}, mode: 1}
              - name: dev-and-role
                match_claims: {groups: team-dev, "realm_access.roles": "^vm-writer$"}
                vm_access: {tenant_id: {account_id: 1, project_id: 2}, mode: 3}
            """);

    @Test
    void aListClaimMatchesWhenAnyElementDoes() throws Exception {
        Access a = parse(TEAMS, "\"groups\":[\"ops\",\"team-dev\"]");
        assertEquals(new Tenant(1, 2), a.tenant());
        assertEquals(List.of(new Label("team", "dev")), a.extraLabels());
        assertEquals(Mode.READ, a.mode());
    }

    @Test
    void aDotPathReadsNestedClaimsAndAnchoredRegexMatchesWholeValues() throws Exception {
        assertEquals(new Tenant(9, 0), parse(TEAMS, "\"realm_access\":{\"roles\":[\"x\",\"vm-reader\"]}").tenant());
        assertEquals("no_access_rule", denied(TEAMS, "\"realm_access\":{\"roles\":[\"xvm-reader\"]}").reason());
        assertEquals("no_access_rule", denied(TEAMS, "\"realm_access\":{\"roles\":\"vm-reader\\nx\"}").reason());
        assertEquals("no_access_rule", denied(TEAMS, "\"realm_access.roles\":[\"vm-reader\"]").reason(),
                "a claim literally named realm_access.roles is not the nested path");
    }

    @Test
    void moreMatchedClaimsBeatFewer() throws Exception {
        Access a = parse(TEAMS, "\"groups\":\"team-dev\",\"realm_access\":{\"roles\":[\"vm-writer\"]}");
        assertEquals(Mode.READ_WRITE, a.mode());
    }

    @Test
    void exactBeatsRegexAndAnEqualTieIs403() throws Exception {
        AccessRules r = rules("""
                rules:
                  - {name: exact, match_claims: {g: a}, vm_access: {tenant_id: {account_id: 1}, mode: 1}}
                  - {name: regex, match_claims: {g: "^a|b$"}, vm_access: {tenant_id: {account_id: 2}, mode: 1}}
                  - {name: other, match_claims: {h: x}, vm_access: {tenant_id: {account_id: 3}, mode: 1}}
                """);
        assertEquals(1, parse(r, "\"g\":\"a\"").tenant().accountId());
        assertEquals(2, parse(r, "\"g\":\"b\"").tenant().accountId());
        CredentialRejectedException tie = denied(r, "\"g\":\"a\",\"h\":\"x\"");
        assertEquals("access_rule_tie", tie.reason());
        assertEquals(403, tie.status());
    }

    @Test
    void identicalMatchersAreALoadError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> rules("""
                rules:
                  - {name: one, match_claims: {g: a, h: b}, vm_access: {mode: 1}}
                  - {name: two, match_claims: {h: b, '["g"]': a}, vm_access: {mode: 2}}
                """));
        assertTrue(e.getMessage().contains("one and two"), e.getMessage());
    }

    @Test
    void aTokenMatchingNoRuleWithoutVmAccessIs403NoAccessRule() {
        CredentialRejectedException e = denied(TEAMS, "\"groups\":[\"ops\"]");
        assertEquals("no_access_rule", e.reason());
        assertEquals(403, e.status());
    }

    @Test
    void vmAccessWinsUnlessRulesComeFirst() throws Exception {
        String claims = "\"groups\":\"team-dev\",\"vm_access\":{\"tenant_id\":{\"account_id\":7},\"mode\":2}";
        assertEquals(7, parse(TEAMS, claims).tenant().accountId());
        assertEquals(1, parse(TEAMS, true, claims).tenant().accountId());
        assertEquals(7, parse(TEAMS, true, "\"groups\":\"ops\",\"vm_access\":{\"tenant_id\":{\"account_id\":7}}")
                .tenant().accountId(), "rules first, none matching: the token's own claim");
    }

    @Test
    void aBracketedNameHoldsDots() throws Exception {
        AccessRules r = rules("""
                rules:
                  - match_claims: {'["https://example.com/groups"]': admins}
                    vm_access: {tenant_id: {account_id: 4}, mode: 0}
                """);
        assertEquals(4, parse(r, "\"https://example.com/groups\":[\"admins\"]").tenant().accountId());
        assertEquals("no_access_rule", denied(r, "\"https://example\":{\"com/groups\":[\"admins\"]}").reason());
    }

    @Test
    void nestedPathsGoThroughArraysOfObjects() throws Exception {
        AccessRules r = rules("""
                rules:
                  - match_claims: {"orgs.name": acme}
                    vm_access: {tenant_id: {account_id: 5}, mode: 1}
                """);
        assertEquals(5, parse(r, "\"orgs\":[{\"name\":\"x\"},{\"name\":\"acme\"}]").tenant().accountId());
        assertEquals("no_access_rule", denied(r, "\"orgs\":[[{\"name\":\"acme\"}]]").reason(),
                "an array inside an array is not entered");
        assertEquals("no_access_rule", denied(r, "\"orgs\":{\"name\":{\"v\":\"acme\"}}").reason());
    }

    private static final AccessRules PLACEHOLDERS = rules("""
            rules:
              - name: by-group
                match_claims:
                  groups: "^team-(?P<team>.+)$"
                  tenant: "^(?P<acct>.*)$"
                vm_access:
                  tenant_id: {account_id: "{{acct}}", project_id: 0}
                  extra_labels: {team: "{{team}}"}
                  extra_filters: ['{team="{{team}}"}']
                  mode: 1
            """);

    @Test
    void placeholdersFillTenantLabelAndFilter() throws Exception {
        Access a = parse(PLACEHOLDERS, "\"groups\":[\"team-dev\"],\"tenant\":\"42\"");
        assertEquals(new Tenant(42, 0), a.tenant());
        assertEquals(List.of(new Label("team", "dev")), a.extraLabels());
        assertEquals(List.of("{team=\"dev\"}"), a.extraFilters());
        assertEquals(4294967295L, parse(PLACEHOLDERS, "\"groups\":\"team-a\",\"tenant\":4294967295").tenant().accountId());
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev\\\"}", "dev,env=\\\"prod", "a\\\"} or {x=\\\"", "a=b", "a~b", "a\\nb", "a b", "{x}",
            "a\\\\b", "", "é", "a'b"})
    void hostileLabelValuesMakeTheRuleGrantNothing(String hostile) {
        CredentialRejectedException e = denied(PLACEHOLDERS, "\"groups\":[\"team-" + hostile + "\"],\"tenant\":\"1\"");
        assertEquals("no_access_rule", e.reason());
        assertEquals(403, e.status());
    }

    @ParameterizedTest
    @ValueSource(strings = {"4294967296", "-1", "+1", "1e3", "0x10", "12345678901", "1 ", "", "1.0"})
    void tenantPlaceholdersTakeOnlyUint32Digits(String hostile) {
        assertEquals("no_access_rule", denied(PLACEHOLDERS, "\"groups\":\"team-a\",\"tenant\":\"" + hostile + "\"")
                .reason());
    }

    @Test
    void twoListElementsCapturingDifferentValuesAreATie() throws Exception {
        assertEquals("access_rule_tie", denied(PLACEHOLDERS, "\"groups\":[\"team-a\",\"team-b\"],\"tenant\":\"1\"")
                .reason());
        assertEquals("a", parse(PLACEHOLDERS, "\"groups\":[\"team-a\",\"team-a\"],\"tenant\":\"1\"").extraLabels()
                .get(0).value(), "the same value twice is no ambiguity");
    }

    @Test
    void claimValuesWithRegexMetacharactersAreMatchedAsText() throws Exception {
        AccessRules r = rules("""
                rules:
                  - match_claims: {g: "a.b"}
                    vm_access: {tenant_id: {account_id: 1}, mode: 1}
                  - match_claims: {h: "^x\\\\.y$"}
                    vm_access: {tenant_id: {account_id: 2}, mode: 1}
                """);
        assertEquals(1, parse(r, "\"g\":\"a.b\"").tenant().accountId());
        assertEquals("no_access_rule", denied(r, "\"g\":\"axb\"").reason(), "an exact value is no expression");
        assertEquals("no_access_rule", denied(r, "\"g\":\".*\"").reason());
        assertEquals("no_access_rule", denied(r, "\"h\":\"x.*\"").reason());
        assertEquals(2, parse(r, "\"h\":\"x.y\"").tenant().accountId());
    }

    @Test
    void hugeClaimArraysCostBoundedWorkAndMatchNothing() throws Exception {
        StringBuilder big = new StringBuilder("\"groups\":[");
        for (int i = 0; i < 5000; i++) {
            big.append(i == 0 ? "" : ",").append("\"g").append(i).append('"');
        }
        big.append(",\"team-dev\"]");
        assertEquals("claims_too_large", denied(TEAMS, big.toString()).reason());
        StringBuilder ok = new StringBuilder("\"groups\":[");
        for (int i = 0; i < 1000; i++) {
            ok.append("\"g").append(i).append("\",");
        }
        ok.append("\"team-dev\"]");
        assertEquals(new Tenant(1, 2), parse(TEAMS, ok.toString()).tenant(), "within the bound it matches");
    }

    @Test
    void aRuleWithoutModeOrWithAnUnknownGroupOrFieldIsRefusedAtLoad() {
        for (String bad : List.of(
                "rules: [{match_claims: {g: a}, vm_access: {tenant_id: {}}}]",
                "rules: [{match_claims: {g: a}, vm_access: {extra_label: {a: b}, mode: 1}}]",
                "rules: [{match_claims: {g: a}, vm_access: {tenant_id: {acount_id: 1}, mode: 1}}]",
                "rules: [{match_claims: {g: \"^(?P<x>.*)$\"}, vm_access: {extra_labels: {a: \"{{y}}\"}, mode: 1}}]",
                "rules: [{match_claims: {g: \"^(?P<x>.*)$\"}, vm_access: {extra_filters: ['{a=~\"{{x}}\"}'], mode: 1}}]",
                "rules: [{match_claims: {g: \"^(?P<x>.*)$\"}, vm_access: {extra_labels: {\"{{x}}\": a}, mode: 1}}]",
                "rules: [{match_claims: {g: \"^(?P<x>.*)$\"}, vm_access: {tenant_id: {account_id: \"1{{x}}\"}, mode: 1}}]",
                "rules: [{match_claims: {g: \"^(a$\"}, vm_access: {mode: 1}}]",
                "rules: [{match_claims: {}, vm_access: {mode: 1}}]",
                "rules: [{match_claims: {g: a}, vm_access: {mode: 1}, extra: 1}]",
                "rules: [{match_claims: {g: a}, vm_access: {mode: 7}}]",
                "rules: [{match_claims: {g: a}, vm_access: {mode: 1, extra_filters: [\"up\"]}}]",
                "rules: [{match_claims: {'a..b': a}, vm_access: {mode: 1}}]",
                "rules: [{match_claims: {g: a, g: b}, vm_access: {mode: 1}}]",
                "rulez: []",
                "rules: [{match_claims: {g: \"^(?P<x>.*)$\"}, vm_access: {logs_extra_filters: ['team:{{x}}'], mode: 1}}]",
                "rules: [{match_claims: {g: \"^(?P<x>.*)$\"}, vm_access: {logs_extra_filters: ['-{{x}}'], mode: 1}}]")) {
            assertThrows(IllegalArgumentException.class, () -> rules(bad), bad);
        }
    }

    @Test
    void aQuotedPlaceholderInALogsFilterLoads() {
        rules("rules: [{match_claims: {g: \"^(?P<x>.*)$\"}, vm_access: {logs_extra_filters: ['team:=\"{{x}}\"'], mode: 1}}]");
    }

    @Test
    void aRuleGrantIsReadByTheClaimParser() throws Exception {
        AccessRules r = rules("""
                rules:
                  - match_claims: {g: a}
                    vm_access: {metrics_account_id: 3, metrics_extra_labels: ["x=y"], mode: 2}
                """);
        Access a = parse(r, "\"g\":\"a\"");
        assertEquals(new Tenant(3, 0), a.tenant());
        assertEquals(List.of(new Label("x", "y")), a.extraLabels());
        assertEquals(Mode.WRITE, a.mode());
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource(delimiter = ' ', value = {
            "^team-(?P<t>.+)$ team-", "^ab+c$ ab", "^abc?$ ab", "^ab*c$ a", "^ab{0,2}$ a", "^a\\.b$ a",
            "^a|b$ ''", "^(?i)abc$ ''", "^.*x$ ''", "^vm-.*$ vm-"})
    void theLiteralPrefixFilterNeverRefusesAValueTheExpressionMatches(String expr, String prefix) {
        assertEquals(prefix, ClaimMatcher.literalPrefix(expr));
        ClaimMatcher m = ClaimMatcher.of("g", expr);
        for (String v : List.of("team-x", "abc", "ac", "abbc", "a.b", "b", "ABC", "x", "vm-1", "a", "ab")) {
            assertEquals(com.google.re2j.Pattern.compile(expr).matcher(v).matches(), !m.matches(List.of(v)).isEmpty(),
                    expr + " on " + v);
        }
    }
}

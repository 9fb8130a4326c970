package io.tsgate.auth;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads an access rules file ({@code -auth.accessRules}), strictly: unknown keys anywhere, a duplicated key, a rule
 * without {@code mode}, a placeholder naming no capture group, or two rules with identical matchers are errors that
 * name the rule and field.
 *
 * <pre>
 * rules:
 *   - name: dev-readers                      # optional; tsgate check and denials name the rule
 *     match_claims:                          # vmauth's key; all must match
 *       groups: team-dev                     # exact; a list claim matches when any element does
 *       "realm_access.roles": "^vm-(?P&lt;env&gt;[a-z]+)$"   # ^…$: RE2 expression, named groups feed placeholders
 *       '["https://example.com/tenant"]': "^(?P&lt;acct&gt;[0-9]+)$"  # a claim name holding dots, in brackets
 *     vm_access:                             # the vm_access claim's shape, read by the same parser
 *       tenant_id: {account_id: "{{acct}}", project_id: 0}
 *       extra_labels: {env: "{{env}}"}
 *       mode: 1
 * </pre>
 *
 * <p>{@code vm_access} accepts the claim's fields ({@code tenant_id}, {@code extra_labels}, {@code extra_filters},
 * {@code mode}, vmauth's {@code metrics_*}) and vmauth's {@code logs_*}/{@code traces_*} fields, which the claim
 * parser reads for those backends; a misspelt field is an error here, not a silently missing restriction.
 */
public final class AccessRulesFile {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    private static final Set<String> RULE_KEYS = Set.of("name", "match_claims", "vm_access");

    private AccessRulesFile() {
    }

    /** Parses the file's text; {@code source} names it in messages. */
    public static AccessRules parse(String text, String source) {
        JsonNode root;
        try {
            root = YAML.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(source + ": not valid YAML: " + e.getOriginalMessage());
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            throw new IllegalArgumentException(source + ": empty; want rules: [...]");
        }
        if (!root.isObject()) {
            throw new IllegalArgumentException(source + ": want a mapping with rules: [...]");
        }
        onlyKeys(root, Set.of("rules"), source);
        JsonNode list = root.get("rules");
        if (list == null || !list.isArray()) {
            throw new IllegalArgumentException(source + ": rules: want a list of rules");
        }
        List<AccessRule> rules = new ArrayList<>();
        Map<Set<String>, String> seen = new HashMap<>();
        for (int i = 0; i < list.size(); i++) {
            AccessRule r = rule(list.get(i), source + ": rules[" + i + "]", "rules[" + i + "]");
            Set<String> key = new TreeSet<>();
            r.matchers().forEach(m -> key.add(m.key()));
            String other = seen.putIfAbsent(key, r.name());
            if (other != null) {
                throw new IllegalArgumentException(source + ": rules " + other + " and " + r.name()
                        + " have identical match_claims; merge them or make one more specific");
            }
            rules.add(r);
        }
        return new AccessRules(rules, source);
    }

    private static AccessRule rule(JsonNode n, String where, String defaultName) {
        if (!n.isObject()) {
            throw new IllegalArgumentException(where + ": want a mapping with match_claims and vm_access");
        }
        onlyKeys(n, RULE_KEYS, where);
        String name = defaultName;
        if (n.has("name")) {
            if (!n.get("name").isTextual() || n.get("name").textValue().isBlank()) {
                throw new IllegalArgumentException(where + ".name: want a non-empty string");
            }
            name = n.get("name").textValue();
        }
        JsonNode mc = n.get("match_claims");
        if (mc == null || !mc.isObject() || mc.isEmpty()) {
            throw new IllegalArgumentException(where + ".match_claims: required, a mapping of claim to value");
        }
        List<ClaimMatcher> matchers = new ArrayList<>();
        Set<String> groups = new HashSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = mc.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            if (!(v.isTextual() || v.isIntegralNumber() || v.isBoolean())) {
                throw new IllegalArgumentException(where + ".match_claims." + e.getKey()
                        + ": want a string (exact, or ^…$ for an expression), a whole number or a boolean");
            }
            ClaimMatcher m;
            try {
                m = ClaimMatcher.of(e.getKey(), v.asText());
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException(where + ": " + ex.getMessage());
            }
            for (String g : m.groupNames()) {
                if (!groups.add(g)) {
                    throw new IllegalArgumentException(where + ".match_claims: capture group " + g
                            + " is named twice");
                }
            }
            matchers.add(m);
        }
        JsonNode grant = n.get("vm_access");
        if (grant != null && grant.isObject()) {
            for (Iterator<String> it = grant.fieldNames(); it.hasNext(); ) {
                String f = it.next();
                // the claim's own field list, so a rule grants exactly what a vm_access claim can say
                if (!f.equals("mode") && !VmAccessClaim.METRICS_FIELDS.contains(f) && !f.startsWith("logs_")
                        && !f.startsWith("traces_")) {
                    throw new IllegalArgumentException(where + ".vm_access." + f + ": unknown field");
                }
            }
            JsonNode tenant = grant.get("tenant_id");
            if (tenant != null && tenant.isObject()) {
                onlyKeys(tenant, Set.of("account_id", "project_id"), where + ".vm_access.tenant_id");
            }
        }
        return new AccessRule(name, matchers, GrantTemplate.of(grant, groups, where));
    }

    private static void onlyKeys(JsonNode n, Set<String> allowed, String where) {
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!allowed.contains(f)) {
                throw new IllegalArgumentException(where + "." + f + ": unknown key (want one of "
                        + new TreeSet<>(allowed) + ")");
            }
        }
    }
}

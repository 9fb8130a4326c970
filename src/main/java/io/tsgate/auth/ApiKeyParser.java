package io.tsgate.auth;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.tsgate.request.Label;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads API key entries, strictly: the YAML key file ({@code keys:} — a list of entries) and single JSON entries
 * (a Redis hash field's value, the name being the field). An entry is
 * {@code {name, sha256, tenant_id, extra_labels, extra_filters, mode, expires_at}}: the grant fields mean exactly
 * what they mean in a JWT's {@code vm_access} claim and go through the same {@link VmAccessClaim} checks, so a key
 * and a token granting the same thing produce the same {@link Access}. Unknown fields are errors naming the entry.
 */
public final class ApiKeyParser {
    static final Set<String> FIELDS = Set.of("name", "sha256", "tenant_id", "extra_labels", "extra_filters", "mode",
            "expires_at");
    private static final Set<String> GRANT_FIELDS = Set.of("tenant_id", "extra_labels", "extra_filters", "mode");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@-]{0,127}");
    private static final Pattern HEX64 = Pattern.compile("[0-9a-fA-F]{64}");
    private static final ObjectMapper YAML = YAMLMapper.builder(new YAMLFactory())
            .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).build();

    private final String nameLabel;

    /**
     * @param nameLabel {@code -apikeys.nameLabel}, or empty: the label set to the key name on every request of a key
     *                  that may write (mode 0, 2, 3), so its writes land in, and its reads stay within, its own
     *                  namespace; read-only keys keep just their own labels
     */
    public ApiKeyParser(String nameLabel) {
        this.nameLabel = nameLabel == null ? "" : nameLabel;
    }

    /** All entries of a key file; {@link IllegalArgumentException} names the entry and field at fault. */
    public List<ApiKeyEntry> parseFile(String yaml) {
        JsonNode root;
        try {
            root = YAML.readTree(yaml);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not valid YAML (line " + e.getLocation().getLineNr() + ")");
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return List.of();
        }
        if (!root.isObject()) {
            throw new IllegalArgumentException("want a mapping with a keys: list at the top");
        }
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!f.equals("keys")) {
                throw new IllegalArgumentException("unknown top-level field " + f + " (only keys: is allowed)");
            }
        }
        JsonNode keys = root.get("keys");
        if (keys == null || keys.isNull()) {
            return List.of();
        }
        if (!keys.isArray()) {
            throw new IllegalArgumentException("keys: must be a list of entries");
        }
        List<ApiKeyEntry> out = new ArrayList<>(keys.size());
        for (int i = 0; i < keys.size(); i++) {
            out.add(entry(keys.get(i), null, "keys[" + i + "]"));
        }
        new ApiKeySet(out);
        return out;
    }

    /** One entry stored as JSON under {@code name} (Redis); the JSON may repeat the name but must not differ. */
    public ApiKeyEntry parseJson(String name, String json) {
        JsonNode n;
        try {
            n = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("entry " + name + ": not valid JSON");
        }
        return entry(n, name, "entry " + name);
    }

    private ApiKeyEntry entry(JsonNode n, String givenName, String where) {
        if (n == null || !n.isObject()) {
            throw new IllegalArgumentException(where + ": must be a mapping of name, sha256, tenant_id, …");
        }
        String name = text(n, "name", where, givenName == null);
        if (name == null) {
            name = givenName;
        } else if (givenName != null && !givenName.equals(name)) {
            throw new IllegalArgumentException(where + ": name " + name + " differs from the hash field name");
        }
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(where + ": name must match " + NAME.pattern());
        }
        String at = where.startsWith("entry") ? where : where + " (" + name + ")";
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!FIELDS.contains(f)) {
                throw new IllegalArgumentException(at + ": unknown field " + f + " (allowed: " + String.join(", ",
                        new java.util.TreeSet<>(FIELDS)) + ")");
            }
        }
        String hex = text(n, "sha256", at, true);
        if (!HEX64.matcher(hex).matches()) {
            throw new IllegalArgumentException(at + ": sha256 must be 64 hex digits (the SHA-256 of the key)");
        }
        Instant expires = expiresAt(n.get("expires_at"), at);
        ObjectNode grant = JSON.createObjectNode();
        for (String f : GRANT_FIELDS) {
            if (n.has(f)) {
                grant.set(f, n.get(f));
            }
        }
        Access access;
        try {
            access = VmAccessClaim.toAccess(grant, name, name, expires);
        } catch (CredentialRejectedException e) {
            throw new IllegalArgumentException(at + ": " + e.getMessage().replace("invalid claim vm_access.", ""));
        }
        // read-only keys write nothing; adding the label would confine their reads to a namespace nobody writes to
        if (!nameLabel.isEmpty() && access.mode() != Mode.READ) {
            List<Label> labels = new ArrayList<>(access.extraLabels());
            if (labels.stream().anyMatch(l -> l.name().equals(nameLabel))) {
                throw new IllegalArgumentException(at + ": extra_labels sets " + nameLabel
                        + ", which -apikeys.nameLabel sets to the key name");
            }
            Label namespace = new Label(nameLabel, name);
            labels.add(namespace);
            access = new Access(access.tenant(), labels, access.extraFilters(), access.mode(), name, name, expires,
                    namespace);
        }
        return new ApiKeyEntry(name, HexFormat.of().parseHex(hex.toLowerCase(java.util.Locale.ROOT)), access, expires);
    }

    private static String text(JsonNode n, String field, String where, boolean required) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                throw new IllegalArgumentException(where + ": " + field + " is required");
            }
            return null;
        }
        if (!v.isTextual()) {
            throw new IllegalArgumentException(where + ": " + field + " must be a string");
        }
        return v.textValue();
    }

    private static Instant expiresAt(JsonNode v, String where) {
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw new IllegalArgumentException(where + ": expires_at must be an RFC 3339 time such as 2027-01-31T00:00:00Z");
        }
        try {
            return OffsetDateTime.parse(v.textValue()).toInstant();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(where + ": expires_at must be an RFC 3339 time such as 2027-01-31T00:00:00Z");
        }
    }
}

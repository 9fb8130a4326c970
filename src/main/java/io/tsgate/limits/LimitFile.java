package io.tsgate.limits;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.tsgate.request.Tenant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * vmgateway's limit file, parsed strictly: a top-level {@code limits} list whose entries have {@code type},
 * {@code value}, {@code resolution} ({@code minute} when left out, with one WARN line per load) and optionally
 * {@code account_id}/{@code project_id} (either makes the entry
 * tenant-specific; the other then defaults to 0). Unknown keys, wrong types and duplicate entries are errors that
 * name the entry ({@code limits[2].resolution}).
 */
public final class LimitFile {
    private static final Logger LOG = LoggerFactory.getLogger(LimitFile.class);
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Set<String> FIELDS = Set.of("type", "value", "resolution", "account_id", "project_id");

    private LimitFile() {
    }

    /** Parses {@code text}; {@code source} (a path or URL) only goes into error messages. */
    public static LimitRules parse(String text, String source) throws InvalidLimitFileException {
        JsonNode root;
        try {
            root = YAML.readTree(text);
        } catch (JacksonException e) {
            throw new InvalidLimitFileException(source + ": not valid YAML: " + e.getOriginalMessage());
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return LimitRules.of(List.of());
        }
        if (!root.isObject()) {
            throw new InvalidLimitFileException(source + ": want a mapping with a \"limits\" list");
        }
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!k.equals("limits")) {
                throw new InvalidLimitFileException(source + ": unknown key \"" + k + "\" (only \"limits\" is allowed)");
            }
        }
        JsonNode limits = root.path("limits");
        if (limits.isNull() || limits.isMissingNode()) {
            return LimitRules.of(List.of());
        }
        if (!limits.isArray()) {
            throw new InvalidLimitFileException(source + ": limits: want a list");
        }
        List<LimitRule> rules = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        List<Integer> noResolution = new ArrayList<>();
        for (int i = 0; i < limits.size(); i++) {
            if (limits.get(i).isObject() && !limits.get(i).has("resolution")) {
                noResolution.add(i);
            }
            LimitRule r = entry(limits.get(i), source + ": limits[" + i + "]");
            String key = r.type() + "/" + r.resolution() + "/" + r.tenant();
            if (!seen.add(key)) {
                throw new InvalidLimitFileException(source + ": limits[" + i + "]: a second " + r.type().label() + "/"
                        + r.resolution().label() + " entry for " + (r.global() ? "all tenants" : "tenant " + r.tenant()));
            }
            rules.add(r);
        }
        if (!noResolution.isEmpty()) {
            LOG.warn("{}: limits{} have no resolution; tsgate applies them per minute (vmgateway does not document "
                    + "this case): add resolution: minute or resolution: hour to say which", source, noResolution);
        }
        return LimitRules.of(rules);
    }

    private static LimitRule entry(JsonNode e, String at) throws InvalidLimitFileException {
        if (!e.isObject()) {
            throw new InvalidLimitFileException(at + ": want a mapping with type, value and resolution");
        }
        for (Iterator<String> it = e.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!FIELDS.contains(k)) {
                throw new InvalidLimitFileException(at + ": unknown key \"" + k + "\"; want type, value, resolution, "
                        + "account_id, project_id");
            }
        }
        String typeText = text(e, "type", at);
        LimitType type = LimitType.of(typeText);
        if (type == null) {
            throw new InvalidLimitFileException(at + ".type: want queries, rows_inserted, new_series or active_series, "
                    + "got \"" + typeText + "\"");
        }
        // vmgateway's own cluster example leaves resolution out; its documents do not say what that means.
        // tsgate's choice: a minute window (announced once per file load, see parse).
        String resText = e.has("resolution") ? text(e, "resolution", at) : Resolution.MINUTE.label();
        Resolution resolution = Resolution.of(resText);
        if (resolution == null) {
            throw new InvalidLimitFileException(at + ".resolution: want minute or hour, got \"" + resText + "\"");
        }
        long value = number(e, "value", at, Long.MAX_VALUE);
        Tenant tenant = null;
        if (e.has("account_id") || e.has("project_id")) {
            long account = e.has("account_id") ? number(e, "account_id", at, Tenant.MAX_ID) : 0;
            long project = e.has("project_id") ? number(e, "project_id", at, Tenant.MAX_ID) : 0;
            tenant = new Tenant(account, project);
        }
        return new LimitRule(type, value, resolution, tenant);
    }

    private static String text(JsonNode e, String field, String at) throws InvalidLimitFileException {
        JsonNode v = e.get(field);
        if (v == null || v.isNull()) {
            throw new InvalidLimitFileException(at + ": " + field + " is required");
        }
        if (!v.isTextual()) {
            throw new InvalidLimitFileException(at + "." + field + ": want a string, got " + v);
        }
        return v.asText();
    }

    private static long number(JsonNode e, String field, String at, long max) throws InvalidLimitFileException {
        JsonNode v = e.get(field);
        if (v == null || v.isNull()) {
            throw new InvalidLimitFileException(at + ": " + field + " is required");
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < 0 || v.asLong() > max) {
            throw new InvalidLimitFileException(at + "." + field + ": want an integer from 0 to " + max + ", got " + v);
        }
        return v.asLong();
    }
}

package io.tsgate.auth;

import com.fasterxml.jackson.databind.JsonNode;
import io.tsgate.request.Label;
import io.tsgate.request.Tenant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Reads the {@code vm_access} claim into an {@link Access}: vmgateway's fields ({@code tenant_id},
 * {@code extra_labels}, {@code extra_filters}, {@code mode}) and vmauth's newer ones inside the same object
 * ({@code metrics_account_id}, {@code metrics_project_id}, {@code metrics_extra_labels} as {@code k=v} strings,
 * {@code metrics_extra_filters}). vmauth's {@code lib/jwt} reads those only inside {@code vm_access}, so only there.
 *
 * <p>When vmauth's spelling is present it wins: either tenant id sets the whole tenant (a missing half is 0, as in
 * vmauth); a non-empty {@code metrics_extra_labels}/{@code metrics_extra_filters} replaces the vmgateway list. An
 * empty vmauth list does not clear a vmgateway one, so a token can never lose a restriction by spelling.
 * Unknown fields are ignored (future vmauth fields); every known field is type-checked strictly.
 *
 * <p>Metrics rights come from metrics fields only: an object that carries vmauth's {@code logs_*} fields (or tsgate's
 * {@code traces_*}) and none of the metrics ones grants logs or traces, not full access to metrics tenant 0:0. An
 * object with no backend field at all ({@code {}}, {@code {"mode":1}}) is vmgateway's minimal metrics grant.
 * vmauth's {@code logs_account_id}, {@code logs_project_id}, {@code logs_extra_filters} and
 * {@code logs_extra_stream_filters} (vmauth {@code lib/jwt/jwt.go}, {@code VMAccessClaim}) make the logs grant; tsgate's
 * {@code traces_account_id}, {@code traces_project_id}, {@code traces_extra_filters} and
 * {@code traces_extra_stream_filters} make the traces grant, each absent (or empty) one falling back to its
 * {@code logs_*} value, so a token minted for vmauth reaches VictoriaTraces with its logs confinement. Unknown
 * {@code logs_*}/{@code traces_*} fields are rejected: a misspelt filter field must not pass as "no filter".
 * vmgateway's documented read-only example says {@code "role": 1}, a field vmgateway's own claim parser does
 * not define; read as written it would grant full access, so {@code role} without {@code mode} is rejected.
 */
public final class VmAccessClaim {
    /**
     * Fields that grant metrics access beside logs or traces ones; an object with neither (even {@code {}}) is
     * vmgateway's minimal metrics grant. {@code mode} is not one: it says what a grant allows, for every backend, so
     * {@code {"logs_account_id":5,"mode":1}} grants no metrics.
     */
    static final java.util.Set<String> METRICS_FIELDS = java.util.Set.of("tenant_id", "extra_labels",
            "extra_filters", "metrics_account_id", "metrics_project_id", "metrics_extra_labels",
            "metrics_extra_filters");

    private static final java.util.Set<String> LOGS_FIELDS = java.util.Set.of("logs_account_id", "logs_project_id",
            "logs_extra_filters", "logs_extra_stream_filters");
    private static final java.util.Set<String> TRACES_FIELDS = java.util.Set.of("traces_account_id",
            "traces_project_id", "traces_extra_filters", "traces_extra_stream_filters");

    private VmAccessClaim() {
    }

    /** The access {@code vmAccess} (an object node) grants; rejects with {@code invalid_claims}. */
    public static Access toAccess(JsonNode vmAccess, String subject, String keyId, java.time.Instant expiresAt)
            throws CredentialRejectedException {
        if (!vmAccess.isObject()) {
            throw invalid("vm_access", "must be an object or a JSON string holding one");
        }
        if (vmAccess.has("role") && !vmAccess.has("mode")) {
            throw roleWithoutMode("vm_access.role");
        }
        BackendGrants backends = backends(vmAccess);
        Tenant tenant = tenant(vmAccess);
        List<Label> labels = labelsObject(vmAccess.get("extra_labels"));
        List<String> filters = filters(vmAccess.get("extra_filters"), "vm_access.extra_filters");
        List<Label> metricsLabels = labelStrings(vmAccess.get("metrics_extra_labels"));
        List<String> metricsFilters = filters(vmAccess.get("metrics_extra_filters"), "vm_access.metrics_extra_filters");
        return new Access(tenant, metricsLabels.isEmpty() ? labels : metricsLabels,
                metricsFilters.isEmpty() ? filters : metricsFilters, mode(vmAccess.get("mode")), subject, keyId,
                expiresAt, null, backends);
    }

    /** Which backends the object grants, each from its own fields; see the class comment. */
    private static BackendGrants backends(JsonNode vmAccess) throws CredentialRejectedException {
        boolean metrics = false;
        boolean logs = false;
        boolean traces = false;
        for (Iterator<String> it = vmAccess.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            metrics |= METRICS_FIELDS.contains(f);
            logs |= LOGS_FIELDS.contains(f);
            traces |= TRACES_FIELDS.contains(f);
            if ((f.startsWith("logs_") || f.startsWith("traces_")) && !LOGS_FIELDS.contains(f)
                    && !TRACES_FIELDS.contains(f)) {
                throw invalid("vm_access." + f, "is not a field tsgate knows; logs and traces grants are read from "
                        + String.join(", ", new java.util.TreeSet<>(LOGS_FIELDS)) + " and their traces_* twins");
            }
        }
        LogsGrant logsGrant = logs ? logsGrant(vmAccess, "logs_", null) : null;
        LogsGrant tracesGrant = traces ? logsGrant(vmAccess, "traces_", logsGrant) : logsGrant;
        return new BackendGrants(metrics || !(logs || traces), logsGrant, tracesGrant);
    }

    /** The grant read from {@code prefix}-named fields; absent or empty ones take {@code fallback}'s value. */
    private static LogsGrant logsGrant(JsonNode vmAccess, String prefix, LogsGrant fallback)
            throws CredentialRejectedException {
        JsonNode account = vmAccess.get(prefix + "account_id");
        JsonNode project = vmAccess.get(prefix + "project_id");
        Tenant tenant = account == null && project == null && fallback != null ? fallback.tenant()
                : new Tenant(id(account, "vm_access." + prefix + "account_id"),
                        id(project, "vm_access." + prefix + "project_id"));
        List<String> filters = logsFilters(vmAccess, prefix + "extra_filters");
        List<String> streamFilters = logsFilters(vmAccess, prefix + "extra_stream_filters");
        if (fallback != null) {
            filters = filters.isEmpty() ? fallback.extraFilters() : filters;
            streamFilters = streamFilters.isEmpty() ? fallback.extraStreamFilters() : streamFilters;
        }
        return new LogsGrant(tenant, filters, streamFilters);
    }

    /**
     * LogsQL filters as strings; VictoriaLogs parses them itself (and refuses the query when one is invalid). An empty
     * entry is refused here: VictoriaLogs skips it, so the token would look confined while applying no filter.
     */
    private static List<String> logsFilters(JsonNode vmAccess, String field) throws CredentialRejectedException {
        List<String> filters = strings(vmAccess.get(field), "vm_access." + field);
        for (int i = 0; i < filters.size(); i++) {
            if (filters.get(i).isBlank()) {
                throw invalid("vm_access." + field + "[" + i + "]", "must be a non-empty LogsQL filter");
            }
        }
        return filters;
    }

    /** {@code role} where tsgate expects {@code mode}: the documents mean read-only, silence would mean full. */
    static CredentialRejectedException roleWithoutMode(String claim) {
        return invalid(claim, "is not read by tsgate and the token has no vm_access.mode; vmgateway's examples use "
                + "\"role\": 1 for read-only, which would otherwise grant full access: set vm_access.mode "
                + "(0 full, 1 read, 2 write, 3 read+write)");
    }

    private static Tenant tenant(JsonNode vmAccess) throws CredentialRejectedException {
        JsonNode metricsAccount = vmAccess.get("metrics_account_id");
        JsonNode metricsProject = vmAccess.get("metrics_project_id");
        if (metricsAccount != null || metricsProject != null) {
            return new Tenant(id(metricsAccount, "vm_access.metrics_account_id"),
                    id(metricsProject, "vm_access.metrics_project_id"));
        }
        JsonNode t = vmAccess.get("tenant_id");
        if (t == null) {
            return new Tenant(0, 0);
        }
        if (!t.isObject()) {
            throw invalid("vm_access.tenant_id", "must be an object {\"account_id\":…,\"project_id\":…}");
        }
        return new Tenant(id(t.get("account_id"), "vm_access.tenant_id.account_id"),
                id(t.get("project_id"), "vm_access.tenant_id.project_id"));
    }

    private static long id(JsonNode n, String claim) throws CredentialRejectedException {
        if (n == null) {
            return 0;
        }
        if (!n.isIntegralNumber() || !n.canConvertToLong() || n.longValue() < 0 || n.longValue() > Tenant.MAX_ID) {
            throw invalid(claim, "must be an integer from 0 to " + Tenant.MAX_ID);
        }
        return n.longValue();
    }

    private static Mode mode(JsonNode n) throws CredentialRejectedException {
        if (n == null) {
            return Mode.FULL;
        }
        Mode m = n.isIntegralNumber() && n.canConvertToLong() ? Mode.of(n.longValue()) : null;
        if (m == null) {
            throw invalid("vm_access.mode", "must be 0 (full), 1 (read), 2 (write) or 3 (read+write)");
        }
        return m;
    }

    private static List<Label> labelsObject(JsonNode n) throws CredentialRejectedException {
        if (n == null) {
            return List.of();
        }
        if (!n.isObject()) {
            throw invalid("vm_access.extra_labels", "must be an object of label name to string value");
        }
        List<Label> labels = new ArrayList<>(n.size());
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!SeriesSelectorSyntax.isLabelName(e.getKey())) {
                throw invalid("vm_access.extra_labels", "label name must match [a-zA-Z_][a-zA-Z0-9_]*");
            }
            if (!e.getValue().isTextual()) {
                throw invalid("vm_access.extra_labels." + e.getKey(), "must be a string");
            }
            labels.add(new Label(e.getKey(), e.getValue().textValue()));
        }
        return labels;
    }

    private static List<Label> labelStrings(JsonNode n) throws CredentialRejectedException {
        List<String> raw = strings(n, "vm_access.metrics_extra_labels");
        List<Label> labels = new ArrayList<>(raw.size());
        for (String s : raw) {
            int eq = s.indexOf('=');
            if (eq < 0 || !SeriesSelectorSyntax.isLabelName(s.substring(0, eq))) {
                throw invalid("vm_access.metrics_extra_labels",
                        "each entry must be name=value with name matching [a-zA-Z_][a-zA-Z0-9_]*");
            }
            labels.add(new Label(s.substring(0, eq), s.substring(eq + 1)));
        }
        return labels;
    }

    private static List<String> filters(JsonNode n, String claim) throws CredentialRejectedException {
        List<String> filters = strings(n, claim);
        for (int i = 0; i < filters.size(); i++) {
            try {
                SeriesSelectorSyntax.check(filters.get(i));
            } catch (IllegalArgumentException e) {
                throw invalid(claim + "[" + i + "]", "must be one series selector {…}: " + e.getMessage());
            }
        }
        return filters;
    }

    private static List<String> strings(JsonNode n, String claim) throws CredentialRejectedException {
        if (n == null) {
            return List.of();
        }
        if (!n.isArray()) {
            throw invalid(claim, "must be an array of strings");
        }
        List<String> out = new ArrayList<>(n.size());
        for (JsonNode e : n) {
            if (!e.isTextual()) {
                throw invalid(claim, "must be an array of strings");
            }
            out.add(e.textValue());
        }
        return out;
    }

    static CredentialRejectedException invalid(String claim, String what) {
        return new CredentialRejectedException("invalid_claims", "invalid claim " + claim + ": " + what);
    }
}

package io.tsgate.limits;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The PromQL query per limit type the {@code datasource} backend runs. Templates may use {@code $window}
 * ({@code 1m} or {@code 1h} from the rule's resolution), {@code $resolution} ({@code minute}/{@code hour}),
 * {@code $filters} ({@code {k="v",…}} from {@code -ratelimit.extraLabels}, or empty) and {@code $labels}
 * ({@code ,k="v",…}, for inside an existing selector). Results must carry {@code account_id} and
 * {@code project_id} labels. The defaults read tsgate's own per-tenant metrics, summed over replicas.
 */
public final class DatasourceQueries {
    public static final Map<LimitType, String> DEFAULTS = Map.of(
            LimitType.QUERIES, "sum by (account_id, project_id) (increase(tsgate_tenant_requests_total$filters[$window]))",
            LimitType.ROWS_INSERTED, "sum by (account_id, project_id) (increase(tsgate_tenant_rows_inserted_total$filters[$window]))",
            LimitType.ACTIVE_SERIES, "sum by (account_id, project_id) (tsgate_tenant_active_series$filters)",
            LimitType.NEW_SERIES, "sum by (account_id, project_id) (tsgate_tenant_new_series{resolution=\"$resolution\"$labels})");

    private final Map<LimitType, String> templates;
    private final String filters;
    private final String labels;

    /**
     * @param overrides   per-type templates replacing the defaults (types not present keep theirs)
     * @param extraLabels {@code name=value} pairs added to the default queries' selectors
     */
    public DatasourceQueries(Map<LimitType, String> overrides, List<String> extraLabels) {
        Map<LimitType, String> t = new EnumMap<>(DEFAULTS);
        t.putAll(overrides);
        this.templates = Map.copyOf(t);
        StringBuilder b = new StringBuilder();
        for (String kv : extraLabels) {
            int eq = kv.indexOf('=');
            String value = kv.substring(eq + 1).replace("\\", "\\\\").replace("\"", "\\\"");
            b.append(',').append(kv, 0, eq).append("=\"").append(value).append('"');
        }
        this.labels = b.toString();
        this.filters = labels.isEmpty() ? "" : "{" + labels.substring(1) + "}";
    }

    /** The query for {@code type} at {@code resolution}. */
    public String render(LimitType type, Resolution resolution) {
        return templates.get(type)
                .replace("$window", resolution == Resolution.MINUTE ? "1m" : "1h")
                .replace("$resolution", resolution.label())
                .replace("$filters", filters)
                .replace("$labels", labels);
    }

    /** Checks {@code kv} is {@code name=value} with a Prometheus label name. */
    public static boolean validLabel(String kv) {
        int eq = kv.indexOf('=');
        return eq > 0 && kv.substring(0, eq).matches("[a-zA-Z_][a-zA-Z0-9_]*");
    }
}

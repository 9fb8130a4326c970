package io.tsgate.ingest;

/**
 * The body formats of VictoriaMetrics' write endpoints, recognised from the authorized path (single-node, or
 * cluster {@code /insert/{tenant}/…}). {@link #NATIVE} and the other formats tsgate does not decode are
 * {@link #UNCOUNTABLE}: they follow {@code -ratelimit.uncountableWrites}; so does any write path not listed here.
 */
public enum WriteFormat {
    PROMETHEUS_REMOTE_WRITE("promremotewrite"),
    VM_JSON_LINE("vmimport"),
    PROMETHEUS_TEXT("prometheus"),
    CSV("csvimport"),
    INFLUX("influx"),
    OPENTSDB_HTTP("opentsdbhttp"),
    NATIVE("native"),
    UNCOUNTABLE("other"),
    /** Handlers VictoriaMetrics serves on write paths that store no samples (agent probes, metadata). */
    STORES_NOTHING("none");

    private final String label;

    WriteFormat(String label) {
        this.label = label;
    }

    /** Metric label value; matches VictoriaMetrics' {@code vm_rows_inserted_total{type=…}} where one exists. */
    public String label() {
        return label;
    }

    public boolean countable() {
        return this != NATIVE && this != UNCOUNTABLE && this != STORES_NOTHING;
    }

    /**
     * The format of a write to {@code path} (query string ignored), or null when the path is no write endpoint
     * tsgate knows. Accepts {@code /insert/{tenant}/prometheus/…} and {@code /insert/{tenant}/influx/…} as
     * VictoriaMetrics cluster routes them, and the optional {@code /prometheus} prefix of single-node.
     */
    public static WriteFormat ofPath(String path) {
        int q = path.indexOf('?');
        String p = q < 0 ? path : path.substring(0, q);
        if (p.startsWith("/insert/")) {
            int slash = p.indexOf('/', "/insert/".length());
            if (slash < 0) {
                return null;
            }
            p = p.substring(slash);
            if (p.equals("/prometheus") || p.equals("/prometheus/")) {
                return PROMETHEUS_REMOTE_WRITE;
            }
        }
        if (p.startsWith("/prometheus/")) {
            p = p.substring("/prometheus".length());
        }
        return switch (p) {
            case "/api/v1/write", "/api/v1/push" -> PROMETHEUS_REMOTE_WRITE;
            case "/api/v1/import" -> VM_JSON_LINE;
            case "/api/v1/import/prometheus" -> PROMETHEUS_TEXT;
            case "/api/v1/import/csv" -> CSV;
            case "/api/v1/import/native" -> NATIVE;
            case "/influx/write", "/write", "/influx/api/v2/write", "/api/v2/write" -> INFLUX;
            case "/opentsdb/api/put", "/api/put" -> OPENTSDB_HTTP;
            case "/influx/query", "/query", "/influx/health", "/datadog/api/v1/validate", "/datadog/api/v1/check_run",
                 "/datadog/intake", "/datadog/api/v1/metadata", "/newrelic", "/newrelic/inventory/deltas" -> STORES_NOTHING;
            default -> p.startsWith("/datadog/") || p.startsWith("/opentelemetry/") || p.startsWith("/newrelic/")
                    || p.startsWith("/zabbixconnector/") || p.startsWith("/api/v1/import/prometheus/")
                    ? UNCOUNTABLE : null;
        };
    }
}

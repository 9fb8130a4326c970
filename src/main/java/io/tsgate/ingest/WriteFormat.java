package io.tsgate.ingest;

import io.tsgate.request.Endpoint;
import io.tsgate.request.EndpointCatalogue;
import io.tsgate.request.RequestClass;

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
        // The path as VictoriaMetrics routes it (aliases, /prometheus prefix, Datadog's trailing slash): the same
        // classification ext_authz authorized, so both sides agree on what the endpoint is.
        Endpoint e = EndpointCatalogue.classify("POST", p);
        if (e == null || e.requestClass() != RequestClass.WRITE) {
            return null;
        }
        return switch (e.path()) {
            case "/api/v1/write", "/api/v1/push" -> PROMETHEUS_REMOTE_WRITE;
            case "/api/v1/import" -> VM_JSON_LINE;
            case "/api/v1/import/prometheus" -> PROMETHEUS_TEXT;
            case "/api/v1/import/csv" -> CSV;
            case "/api/v1/import/native" -> NATIVE;
            case "/influx/write", "/influx/api/v2/write" -> INFLUX;
            case "/opentsdb/api/put" -> OPENTSDB_HTTP;
            case "/influx/query", "/influx/health", "/datadog/api/v1/validate", "/datadog/api/v1/check_run",
                 "/datadog/intake", "/datadog/api/v1/metadata", "/newrelic", "/newrelic/inventory/deltas" -> STORES_NOTHING;
            default -> UNCOUNTABLE;
        };
    }
}

package io.tsgate.request;

import static io.tsgate.request.RequestClass.READ;
import static io.tsgate.request.RequestClass.WRITE;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;

/**
 * The VictoriaLogs and VictoriaTraces routes: the one table of their endpoints, which backend serves each, and
 * whether it honours a token's {@code extra_filters}/{@code extra_stream_filters}. Classification
 * ({@link EndpointCatalogue#classifyLogs}) looks paths up here; anything not listed is refused.
 *
 * <p>Sources. VictoriaLogs v1.26.0 ({@code app/vlselect/main.go}, {@code app/vlinsert/main.go} and the handlers
 * under {@code app/vlinsert/}, commit 7c0626e); docs: https://docs.victoriametrics.com/victorialogs/querying/
 * ("HTTP API", "Extra filters": each {@code extra_filters}/{@code extra_stream_filters} argument is ANDed into the
 * query, {@code app/vlselect/logsql/logsql.go parseCommonArgs}, and into every subquery,
 * {@code lib/logstorage/parser.go AddExtraFilters}) and https://docs.victoriametrics.com/victorialogs/data-ingestion/
 * (JSON line, Elasticsearch bulk, Loki push, OpenTelemetry, journald, Datadog; syslog is served over TCP/UDP only, so
 * it has no HTTP route here). VictoriaTraces main at 0297391 ({@code app/vtselect/main.go},
 * {@code app/vtselect/traces/jaeger/jaeger.go}, {@code app/vtinsert/main.go}); docs:
 * https://docs.victoriametrics.com/victoriatraces/querying/ — its Jaeger query API takes no {@code extra_filters}
 * (VictoriaTraces#178), so it is closed to confined tokens. Both read the tenant from the {@code AccountID} and
 * {@code ProjectID} headers only ({@code lib/logstorage/tenant_id.go GetTenantIDFromRequest}).
 *
 * <p>Both servers fold {@code //} into {@code /} before routing, which {@link RequestTarget} refuses beforehand.
 * {@code /select/vmui}, {@code /insert/ready}, {@code /internal/*} and the hosts' own endpoints are not listed.
 */
final class LogsRoutes {

    /**
     * One row: a path (or, when {@code prefix}, every path starting with it), the backends serving it, the methods
     * tsgate lets through, and what it is.
     */
    record Route(String path, boolean prefix, Set<Backend> backends, Set<String> methods, LogsEndpoint endpoint) {
        boolean matches(Backend b, String method, String p) {
            return backends.contains(b) && methods.contains(method) && (prefix ? p.startsWith(path) : p.equals(path));
        }
    }

    private static final Set<String> READS = Set.of("GET", "HEAD", "POST");
    private static final Set<String> WRITES = Set.of("POST", "PUT");
    /** Ingestion handshakes (Elasticsearch ping, license, ILM and template stubs) that store nothing. */
    private static final Set<String> STUBS = Set.of("GET", "HEAD", "POST", "PUT");
    private static final Set<Backend> LOGS = Set.of(Backend.LOGS);
    private static final Set<Backend> TRACES = Set.of(Backend.TRACES);
    private static final Set<Backend> BOTH = Set.of(Backend.LOGS, Backend.TRACES);

    private static final List<Route> ROWS = new ArrayList<>();
    /** Every row, in table order. */
    static final List<Route> TABLE = Collections.unmodifiableList(ROWS);

    static {
        // LogsQL: every handler reads its query through parseCommonArgs, which applies the filters (both servers).
        for (String p : List.of("query", "hits", "facets", "field_names", "field_values", "stats_query",
                "stats_query_range", "stream_field_names", "stream_field_values", "stream_ids", "streams", "tail")) {
            row("/select/logsql/" + p, false, BOTH, READS, READ, true);
        }
        // VictoriaTraces' Jaeger query API: no extra_filters (VictoriaTraces#178).
        row("/select/jaeger/api/services", false, TRACES, READS, READ, false);
        row("/select/jaeger/api/services/", true, TRACES, READS, READ, false);
        row("/select/jaeger/api/traces", false, TRACES, READS, READ, false);
        row("/select/jaeger/api/traces/", true, TRACES, READS, READ, false);
        row("/select/jaeger/api/dependencies", false, TRACES, READS, READ, false);
        // VictoriaLogs ingestion.
        row("/insert/jsonline", false, LOGS, WRITES, WRITE, false);
        row("/insert/elasticsearch/_bulk", false, LOGS, WRITES, WRITE, false);
        row("/insert/elasticsearch", false, LOGS, STUBS, WRITE, false);
        row("/insert/elasticsearch/", false, LOGS, STUBS, WRITE, false);
        row("/insert/elasticsearch/_license", false, LOGS, STUBS, WRITE, false);
        for (String stub : List.of("_ilm/policy", "_index_template", "_ingest", "_nodes", "logstash", "_logstash")) {
            row("/insert/elasticsearch/" + stub, true, LOGS, STUBS, WRITE, false);
        }
        row("/insert/loki/api/v1/push", false, LOGS, WRITES, WRITE, false);
        row("/insert/opentelemetry/v1/logs", false, LOGS, WRITES, WRITE, false);
        row("/insert/journald/upload", false, LOGS, WRITES, WRITE, false);
        row("/insert/datadog/api/v2/logs", false, LOGS, WRITES, WRITE, false);
        row("/insert/datadog/api/v1/validate", false, LOGS, STUBS, WRITE, false);
        // VictoriaTraces ingestion.
        row("/insert/opentelemetry/v1/traces", false, TRACES, WRITES, WRITE, false);
    }

    private LogsRoutes() {
    }

    private static void row(String path, boolean prefix, Set<Backend> backends, Set<String> methods,
                            RequestClass cls, boolean honoursFilters) {
        ROWS.add(new Route(path, prefix, backends, methods, new LogsEndpoint(path, cls, honoursFilters)));
    }

    /** The endpoint {@code backend} serves for this method and path, or null. Exact rows win over prefix rows. */
    static LogsEndpoint classify(Backend backend, String method, String path) {
        LogsEndpoint byPrefix = null;
        for (Route r : ROWS) {
            if (r.matches(backend, method, path)) {
                if (!r.prefix()) {
                    return r.endpoint();
                }
                byPrefix = byPrefix == null ? new LogsEndpoint(path, r.endpoint().requestClass(), false) : byPrefix;
            }
        }
        return byPrefix;
    }
}

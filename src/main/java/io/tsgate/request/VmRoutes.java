package io.tsgate.request;

import static io.tsgate.request.RequestClass.ADMIN;
import static io.tsgate.request.RequestClass.READ;
import static io.tsgate.request.RequestClass.WRITE;
import static io.tsgate.request.WriteFormat.CSV;
import static io.tsgate.request.WriteFormat.INFLUX;
import static io.tsgate.request.WriteFormat.NATIVE;
import static io.tsgate.request.WriteFormat.OPENTSDB_HTTP;
import static io.tsgate.request.WriteFormat.PROMETHEUS_REMOTE_WRITE;
import static io.tsgate.request.WriteFormat.PROMETHEUS_TEXT;
import static io.tsgate.request.WriteFormat.STORES_NOTHING;
import static io.tsgate.request.WriteFormat.UNCOUNTABLE;
import static io.tsgate.request.WriteFormat.VM_JSON_LINE;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The VictoriaMetrics route tables behind {@link EndpointCatalogue}, one per component of single-node
 * VictoriaMetrics, because each component matches paths its own way (see {@link EndpointCatalogue}).
 *
 * <p>Sources: {@code app/vminsert/main.go}, {@code app/vmselect/main.go}, {@code app/vmstorage/main.go} at tag
 * {@code v1.79.5} (Debian) and on {@code master}; cluster routes from {@code app/vminsert/main.go},
 * {@code app/vmselect/main.go} on {@code cluster} and {@code v1.79.5-cluster}. Endpoints only newer releases serve
 * are listed too: an old VictoriaMetrics answers them with an error, which is harmless.
 */
final class VmRoutes {

    /** An endpoint and the methods tsgate lets through to it (VictoriaMetrics itself checks no method). */
    record Route(Endpoint endpoint, Set<String> methods) {

        Endpoint match(String method) {
            return methods.contains(method) ? endpoint : null;
        }

        /**
         * The same route for a path with a variable part (label name, tag name, pushgateway labels). A write's
         * variable part carries labels the body counters do not read, so such a write is counted as uncountable.
         */
        Endpoint match(String method, String path) {
            Endpoint e = match(method);
            return e == null ? null : new Endpoint(path, e.requestClass(), e.confinable(), e.clusterPrefix(),
                    e.writeFormat() == null ? null : UNCOUNTABLE);
        }
    }

    static final Set<String> READS = Set.of("GET", "HEAD", "POST");
    static final Set<String> WRITES = Set.of("POST", "PUT");
    /** Agent handshakes (Datadog validate, InfluxDB query, New Relic checks) that store nothing. */
    static final Set<String> STUBS = Set.of("GET", "HEAD", "POST", "PUT");
    static final Set<String> ADMINS = Set.of("GET", "POST");

    static final String SELECT_PROMETHEUS = "/select/{tenant}/prometheus";
    static final String SELECT_GRAPHITE = "/select/{tenant}/graphite";
    static final String INSERT_PROMETHEUS = "/insert/{tenant}/prometheus";
    static final String INSERT = "/insert/{tenant}";
    static final String DELETE_PROMETHEUS = "/delete/{tenant}/prometheus";

    private static final Map<String, Route> INSERTS = new HashMap<>();
    private static final Map<String, Route> SELECTS = new HashMap<>();
    private static final Map<String, Route> STORAGES = new HashMap<>();

    /** vminsert matches the raw path: every alias it accepts is a key; no prefix is stripped. */
    static final Map<String, Route> INSERT_ROUTES = Collections.unmodifiableMap(INSERTS);
    /** vmselect matches after stripping one leading {@code /prometheus} or {@code /graphite}. */
    static final Map<String, Route> SELECT_ROUTES = Collections.unmodifiableMap(SELECTS);
    /** vmstorage matches the raw path. None of these has a tenant-scoped cluster route. */
    static final Map<String, Route> STORAGE_ROUTES = Collections.unmodifiableMap(STORAGES);

    static final Route PROMETHEUS_IMPORT = route("/api/v1/import/prometheus", WRITE, true, INSERT_PROMETHEUS, WRITES,
            PROMETHEUS_TEXT);
    static final Route LABEL_VALUES = route("/api/v1/label/{name}/values", READ, true, SELECT_PROMETHEUS, READS, null);
    static final Route GRAPHITE_TAG_VALUES = route("/tags/{name}", READ, false, SELECT_GRAPHITE, READS, null);
    static final Route GRAPHITE_FUNCTIONS = route("/functions", READ, false, SELECT_GRAPHITE, READS, null);

    static {
        // Every vminsert handler in v1.79.5 and master appends extra_label after the row's own labels, and
        // storage keeps the last value of a duplicated label, so the extra label wins: confinable.
        insert(INSERT_PROMETHEUS, true, WRITES, PROMETHEUS_REMOTE_WRITE, "/api/v1/write", "/prometheus/api/v1/write");
        insert(INSERT_PROMETHEUS, true, WRITES, PROMETHEUS_REMOTE_WRITE, "/api/v1/push", "/prometheus/api/v1/push");
        insert(INSERT_PROMETHEUS, true, WRITES, VM_JSON_LINE, "/api/v1/import", "/prometheus/api/v1/import");
        insert(INSERT_PROMETHEUS, true, WRITES, CSV, "/api/v1/import/csv", "/prometheus/api/v1/import/csv");
        insert(INSERT_PROMETHEUS, true, WRITES, NATIVE, "/api/v1/import/native", "/prometheus/api/v1/import/native");
        insert(INSERT, true, WRITES, INFLUX, "/influx/write", "/write");
        insert(INSERT, true, WRITES, INFLUX, "/influx/api/v2/write", "/api/v2/write");
        insert(INSERT, false, STUBS, STORES_NOTHING, "/influx/query", "/query");
        insert(INSERT, false, STUBS, STORES_NOTHING, "/influx/health");
        // Single-node serves OpenTSDB HTTP on -opentsdbHTTPListenAddr, not on the main port.
        insert(INSERT, true, WRITES, OPENTSDB_HTTP, "/opentsdb/api/put", "/api/put");
        insert(INSERT, true, WRITES, UNCOUNTABLE, "/datadog/api/v1/series");
        insert(INSERT, true, WRITES, UNCOUNTABLE, "/datadog/api/v2/series");
        insert(INSERT, true, WRITES, UNCOUNTABLE, "/datadog/api/beta/sketches");
        insert(INSERT, false, STUBS, STORES_NOTHING, "/datadog/api/v1/validate");
        insert(INSERT, false, STUBS, STORES_NOTHING, "/datadog/api/v1/check_run");
        insert(INSERT, false, STUBS, STORES_NOTHING, "/datadog/intake");
        insert(INSERT, false, STUBS, STORES_NOTHING, "/datadog/api/v1/metadata");
        insert(INSERT, true, WRITES, UNCOUNTABLE, "/opentelemetry/v1/metrics");
        insert(INSERT, true, WRITES, UNCOUNTABLE, "/opentelemetry/api/v1/push");
        insert(INSERT, true, WRITES, UNCOUNTABLE, "/newrelic/infra/v2/metrics/events/bulk");
        insert(INSERT, false, STUBS, STORES_NOTHING, "/newrelic");
        insert(INSERT, false, STUBS, STORES_NOTHING, "/newrelic/inventory/deltas");
        insert(INSERT, true, WRITES, UNCOUNTABLE, "/zabbixconnector/api/v1/history");

        // Reads that VictoriaMetrics narrows with extra_label/extra_filters (prometheus.go: getCommonParams,
        // QueryHandler, QueryRangeHandler).
        select(READ, true, SELECT_PROMETHEUS, READS, "/api/v1/query");
        select(READ, true, SELECT_PROMETHEUS, READS, "/api/v1/query_range");
        select(READ, true, SELECT_PROMETHEUS, READS, "/api/v1/series");
        select(READ, true, SELECT_PROMETHEUS, READS, "/api/v1/labels");
        select(READ, true, SELECT_PROMETHEUS, READS, "/api/v1/export");
        select(READ, true, SELECT_PROMETHEUS, READS, "/api/v1/export/csv");
        select(READ, true, SELECT_PROMETHEUS, READS, "/api/v1/export/native");
        select(READ, true, SELECT_PROMETHEUS, READS, "/federate");
        // Reads that describe all data or the server's state: not confined (until an integration test proves one).
        select(READ, false, SELECT_PROMETHEUS, READS, "/api/v1/series/count");
        select(READ, false, SELECT_PROMETHEUS, READS, "/api/v1/status/tsdb");
        select(READ, false, SELECT_PROMETHEUS, READS, "/api/v1/status/active_queries");
        select(READ, false, SELECT_PROMETHEUS, READS, "/api/v1/status/top_queries");
        select(READ, false, SELECT_PROMETHEUS, READS, "/api/v1/status/metric_names_stats");
        select(READ, false, SELECT_PROMETHEUS, READS, "/api/v1/metadata");
        select(READ, false, SELECT_PROMETHEUS, READS, "/api/v1/status/buildinfo");
        select(READ, false, SELECT_PROMETHEUS, READS, "/api/v1/query_exemplars");
        select(READ, false, SELECT_GRAPHITE, READS, "/render");
        select(READ, false, SELECT_GRAPHITE, READS, "/metrics/find", "/metrics/find/");
        select(READ, false, SELECT_GRAPHITE, READS, "/metrics/expand", "/metrics/expand/");
        select(READ, false, SELECT_GRAPHITE, READS, "/metrics/index.json", "/metrics/index.json/");
        select(READ, false, SELECT_GRAPHITE, READS, "/tags");
        select(READ, false, SELECT_GRAPHITE, READS, "/tags/findSeries");
        select(READ, false, SELECT_GRAPHITE, READS, "/tags/autoComplete/tags");
        select(READ, false, SELECT_GRAPHITE, READS, "/tags/autoComplete/values");
        // Graphite tag registration is served by vmselect but registers series names in storage
        // (graphite/tags_api.go registerMetrics) without applying extra_label.
        select(WRITE, false, SELECT_GRAPHITE, WRITES, "/tags/tagSeries");
        select(WRITE, false, SELECT_GRAPHITE, WRITES, "/tags/tagMultiSeries");
        select(ADMIN, false, SELECT_GRAPHITE, ADMINS, "/tags/delSeries");
        select(ADMIN, false, DELETE_PROMETHEUS, ADMINS, "/api/v1/admin/tsdb/delete_series");
        // v1.79.5 matches this one before stripping the prefix, master after: either way it is the same admin call.
        select(ADMIN, false, null, ADMINS, "/internal/resetRollupResultCache");
        select(ADMIN, false, null, ADMINS, "/api/v1/admin/status/metric_names_stats/reset");

        storage("/internal/force_merge");
        storage("/internal/force_flush");
        storage("/internal/log_new_series");
        storage("/api/v1/admin/tsdb/snapshot");
        storage("/snapshot/create");
        storage("/snapshot/list");
        storage("/snapshot/delete");
        storage("/snapshot/delete_all");
    }

    private VmRoutes() {
    }

    private static Route route(String path, RequestClass cls, boolean confinable, String clusterPrefix,
                               Set<String> methods, WriteFormat format) {
        return new Route(new Endpoint(path, cls, confinable, clusterPrefix, format), methods);
    }

    /** The first alias is the canonical path; {@code format} is how ext_proc reads the body. */
    private static void insert(String clusterPrefix, boolean confinable, Set<String> methods, WriteFormat format,
                               String... aliases) {
        Route r = route(aliases[0], WRITE, confinable, clusterPrefix, methods, format);
        for (String alias : aliases) {
            INSERTS.put(alias, r);
        }
    }

    /** Writes served by vmselect (Graphite tag registration) have no body tsgate decodes: uncountable. */
    private static void select(RequestClass cls, boolean confinable, String clusterPrefix, Set<String> methods,
                               String... aliases) {
        Route r = route(aliases[0], cls, confinable, clusterPrefix, methods, cls == WRITE ? UNCOUNTABLE : null);
        for (String alias : aliases) {
            SELECTS.put(alias, r);
        }
    }

    private static void storage(String path) {
        STORAGES.put(path, route(path, ADMIN, false, null, ADMINS, null));
    }
}

package io.tsgate.request;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The catalogue as a table: what VictoriaMetrics routes, how tsgate classifies it, where cluster mode sends it. */
class EndpointCatalogueTest {

    private static final Tenant TENANT = new Tenant(1, 5);

    @ParameterizedTest(name = "{0} {1} -> {2} {3} confinable={4} cluster={5}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
            GET  | /api/v1/query                         | READ  | /api/v1/query              | true  | /select/1:5/prometheus/api/v1/query
            POST | /api/v1/query                         | READ  | /api/v1/query              | true  | /select/1:5/prometheus/api/v1/query
            HEAD | /api/v1/query                         | READ  | /api/v1/query              | true  | /select/1:5/prometheus/api/v1/query
            GET  | /prometheus/api/v1/query              | READ  | /api/v1/query              | true  | /select/1:5/prometheus/api/v1/query
            GET  | /graphite/api/v1/query                | READ  | /api/v1/query              | true  | /select/1:5/prometheus/api/v1/query
            GET  | /api/v1/query_range                   | READ  | /api/v1/query_range        | true  | /select/1:5/prometheus/api/v1/query_range
            POST | /prometheus/api/v1/query_range        | READ  | /api/v1/query_range        | true  | /select/1:5/prometheus/api/v1/query_range
            GET  | /api/v1/series                        | READ  | /api/v1/series             | true  | /select/1:5/prometheus/api/v1/series
            GET  | /prometheus/api/v1/series             | READ  | /api/v1/series             | true  | /select/1:5/prometheus/api/v1/series
            GET  | /api/v1/labels                        | READ  | /api/v1/labels             | true  | /select/1:5/prometheus/api/v1/labels
            GET  | /api/v1/label/job/values              | READ  | /api/v1/label/job/values   | true  | /select/1:5/prometheus/api/v1/label/job/values
            GET  | /prometheus/api/v1/label/__name__/values | READ | /api/v1/label/__name__/values | true | /select/1:5/prometheus/api/v1/label/__name__/values
            GET  | /api/v1/export                        | READ  | /api/v1/export             | true  | /select/1:5/prometheus/api/v1/export
            POST | /prometheus/api/v1/export             | READ  | /api/v1/export             | true  | /select/1:5/prometheus/api/v1/export
            GET  | /api/v1/export/csv                    | READ  | /api/v1/export/csv         | true  | /select/1:5/prometheus/api/v1/export/csv
            GET  | /api/v1/export/native                 | READ  | /api/v1/export/native      | true  | /select/1:5/prometheus/api/v1/export/native
            GET  | /federate                             | READ  | /federate                  | true  | /select/1:5/prometheus/federate
            GET  | /prometheus/federate                  | READ  | /federate                  | true  | /select/1:5/prometheus/federate
            GET  | /api/v1/series/count                  | READ  | /api/v1/series/count       | false | /select/1:5/prometheus/api/v1/series/count
            GET  | /api/v1/status/tsdb                   | READ  | /api/v1/status/tsdb        | false | /select/1:5/prometheus/api/v1/status/tsdb
            GET  | /prometheus/api/v1/status/tsdb        | READ  | /api/v1/status/tsdb        | false | /select/1:5/prometheus/api/v1/status/tsdb
            GET  | /api/v1/status/active_queries         | READ  | /api/v1/status/active_queries | false | /select/1:5/prometheus/api/v1/status/active_queries
            GET  | /api/v1/status/top_queries            | READ  | /api/v1/status/top_queries | false | /select/1:5/prometheus/api/v1/status/top_queries
            GET  | /api/v1/status/metric_names_stats     | READ  | /api/v1/status/metric_names_stats | false | /select/1:5/prometheus/api/v1/status/metric_names_stats
            GET  | /api/v1/metadata                      | READ  | /api/v1/metadata           | false | /select/1:5/prometheus/api/v1/metadata
            GET  | /api/v1/status/buildinfo              | READ  | /api/v1/status/buildinfo   | false | /select/1:5/prometheus/api/v1/status/buildinfo
            GET  | /prometheus/api/v1/status/buildinfo   | READ  | /api/v1/status/buildinfo   | false | /select/1:5/prometheus/api/v1/status/buildinfo
            GET  | /api/v1/query_exemplars               | READ  | /api/v1/query_exemplars    | false | /select/1:5/prometheus/api/v1/query_exemplars
            GET  | /render                               | READ  | /render                    | false | /select/1:5/graphite/render
            POST | /graphite/render                      | READ  | /render                    | false | /select/1:5/graphite/render
            GET  | /metrics/find                         | READ  | /metrics/find              | false | /select/1:5/graphite/metrics/find
            GET  | /graphite/metrics/find/               | READ  | /metrics/find              | false | /select/1:5/graphite/metrics/find
            GET  | /metrics/expand                       | READ  | /metrics/expand            | false | /select/1:5/graphite/metrics/expand
            GET  | /metrics/expand/                      | READ  | /metrics/expand            | false | /select/1:5/graphite/metrics/expand
            GET  | /metrics/index.json                   | READ  | /metrics/index.json        | false | /select/1:5/graphite/metrics/index.json
            GET  | /graphite/metrics/index.json/         | READ  | /metrics/index.json        | false | /select/1:5/graphite/metrics/index.json
            GET  | /tags                                 | READ  | /tags                      | false | /select/1:5/graphite/tags
            GET  | /graphite/tags/findSeries             | READ  | /tags/findSeries           | false | /select/1:5/graphite/tags/findSeries
            GET  | /tags/autoComplete/tags               | READ  | /tags/autoComplete/tags    | false | /select/1:5/graphite/tags/autoComplete/tags
            GET  | /tags/autoComplete/values             | READ  | /tags/autoComplete/values  | false | /select/1:5/graphite/tags/autoComplete/values
            GET  | /tags/dc                              | READ  | /tags/dc                   | false | /select/1:5/graphite/tags/dc
            GET  | /graphite/tags/dc                     | READ  | /tags/dc                   | false | /select/1:5/graphite/tags/dc
            GET  | /functions                            | READ  | /functions                 | false | /select/1:5/graphite/functions
            GET  | /graphite/functions/sumSeries         | READ  | /functions/sumSeries       | false | /select/1:5/graphite/functions/sumSeries
            POST | /tags/tagSeries                       | WRITE | /tags/tagSeries            | false | /select/1:5/graphite/tags/tagSeries
            POST | /graphite/tags/tagMultiSeries         | WRITE | /tags/tagMultiSeries       | false | /select/1:5/graphite/tags/tagMultiSeries
            POST | /api/v1/write                         | WRITE | /api/v1/write              | true  | /insert/1:5/prometheus/api/v1/write
            PUT  | /api/v1/write                         | WRITE | /api/v1/write              | true  | /insert/1:5/prometheus/api/v1/write
            POST | /prometheus/api/v1/write              | WRITE | /api/v1/write              | true  | /insert/1:5/prometheus/api/v1/write
            POST | /api/v1/push                          | WRITE | /api/v1/push               | true  | /insert/1:5/prometheus/api/v1/push
            POST | /prometheus/api/v1/push               | WRITE | /api/v1/push               | true  | /insert/1:5/prometheus/api/v1/push
            POST | /api/v1/import                        | WRITE | /api/v1/import             | true  | /insert/1:5/prometheus/api/v1/import
            POST | /prometheus/api/v1/import             | WRITE | /api/v1/import             | true  | /insert/1:5/prometheus/api/v1/import
            POST | /api/v1/import/csv                    | WRITE | /api/v1/import/csv         | true  | /insert/1:5/prometheus/api/v1/import/csv
            POST | /prometheus/api/v1/import/csv         | WRITE | /api/v1/import/csv         | true  | /insert/1:5/prometheus/api/v1/import/csv
            POST | /api/v1/import/native                 | WRITE | /api/v1/import/native      | true  | /insert/1:5/prometheus/api/v1/import/native
            POST | /prometheus/api/v1/import/native      | WRITE | /api/v1/import/native      | true  | /insert/1:5/prometheus/api/v1/import/native
            POST | /api/v1/import/prometheus             | WRITE | /api/v1/import/prometheus  | true  | /insert/1:5/prometheus/api/v1/import/prometheus
            POST | /prometheus/api/v1/import/prometheus  | WRITE | /api/v1/import/prometheus  | true  | /insert/1:5/prometheus/api/v1/import/prometheus
            PUT  | /api/v1/import/prometheus/metrics/job/node/instance/a | WRITE | /api/v1/import/prometheus/metrics/job/node/instance/a | true | /insert/1:5/prometheus/api/v1/import/prometheus/metrics/job/node/instance/a
            POST | /prometheus/api/v1/import/prometheus/metrics/job@base64/Zm9v | WRITE | /api/v1/import/prometheus/metrics/job@base64/Zm9v | true | /insert/1:5/prometheus/api/v1/import/prometheus/metrics/job@base64/Zm9v
            POST | /write                                | WRITE | /influx/write              | true  | /insert/1:5/influx/write
            POST | /influx/write                         | WRITE | /influx/write              | true  | /insert/1:5/influx/write
            POST | /api/v2/write                         | WRITE | /influx/api/v2/write       | true  | /insert/1:5/influx/api/v2/write
            POST | /influx/api/v2/write                  | WRITE | /influx/api/v2/write       | true  | /insert/1:5/influx/api/v2/write
            GET  | /query                                | WRITE | /influx/query              | false | /insert/1:5/influx/query
            POST | /influx/query                         | WRITE | /influx/query              | false | /insert/1:5/influx/query
            GET  | /influx/health                        | WRITE | /influx/health             | false | /insert/1:5/influx/health
            POST | /api/put                              | WRITE | /opentsdb/api/put          | true  | /insert/1:5/opentsdb/api/put
            POST | /opentsdb/api/put                     | WRITE | /opentsdb/api/put          | true  | /insert/1:5/opentsdb/api/put
            POST | /datadog/api/v1/series                | WRITE | /datadog/api/v1/series     | true  | /insert/1:5/datadog/api/v1/series
            POST | /datadog/api/v1/series/               | WRITE | /datadog/api/v1/series     | true  | /insert/1:5/datadog/api/v1/series
            POST | /datadog/api/v2/series                | WRITE | /datadog/api/v2/series     | true  | /insert/1:5/datadog/api/v2/series
            POST | /datadog/api/beta/sketches            | WRITE | /datadog/api/beta/sketches | true  | /insert/1:5/datadog/api/beta/sketches
            GET  | /datadog/api/v1/validate              | WRITE | /datadog/api/v1/validate   | false | /insert/1:5/datadog/api/v1/validate
            POST | /datadog/api/v1/check_run             | WRITE | /datadog/api/v1/check_run  | false | /insert/1:5/datadog/api/v1/check_run
            POST | /datadog/intake/                      | WRITE | /datadog/intake            | false | /insert/1:5/datadog/intake
            POST | /datadog/api/v1/metadata              | WRITE | /datadog/api/v1/metadata   | false | /insert/1:5/datadog/api/v1/metadata
            POST | /opentelemetry/v1/metrics             | WRITE | /opentelemetry/v1/metrics  | true  | /insert/1:5/opentelemetry/v1/metrics
            POST | /opentelemetry/api/v1/push            | WRITE | /opentelemetry/api/v1/push | true  | /insert/1:5/opentelemetry/api/v1/push
            POST | /newrelic/infra/v2/metrics/events/bulk | WRITE | /newrelic/infra/v2/metrics/events/bulk | true | /insert/1:5/newrelic/infra/v2/metrics/events/bulk
            GET  | /newrelic                             | WRITE | /newrelic                  | false | /insert/1:5/newrelic
            POST | /newrelic/inventory/deltas            | WRITE | /newrelic/inventory/deltas | false | /insert/1:5/newrelic/inventory/deltas
            POST | /zabbixconnector/api/v1/history       | WRITE | /zabbixconnector/api/v1/history | true | /insert/1:5/zabbixconnector/api/v1/history
            POST | /api/v1/admin/tsdb/delete_series      | ADMIN | /api/v1/admin/tsdb/delete_series | false | /delete/1:5/prometheus/api/v1/admin/tsdb/delete_series
            GET  | /prometheus/api/v1/admin/tsdb/delete_series | ADMIN | /api/v1/admin/tsdb/delete_series | false | /delete/1:5/prometheus/api/v1/admin/tsdb/delete_series
            POST | /graphite/api/v1/admin/tsdb/delete_series | ADMIN | /api/v1/admin/tsdb/delete_series | false | /delete/1:5/prometheus/api/v1/admin/tsdb/delete_series
            POST | /tags/delSeries                       | ADMIN | /tags/delSeries            | false | /select/1:5/graphite/tags/delSeries
            POST | /graphite/tags/delSeries              | ADMIN | /tags/delSeries            | false | /select/1:5/graphite/tags/delSeries
            GET  | /internal/resetRollupResultCache      | ADMIN | /internal/resetRollupResultCache | false | ''
            GET  | /prometheus/internal/resetRollupResultCache | ADMIN | /internal/resetRollupResultCache | false | ''
            POST | /api/v1/admin/status/metric_names_stats/reset | ADMIN | /api/v1/admin/status/metric_names_stats/reset | false | ''
            GET  | /internal/force_merge                 | ADMIN | /internal/force_merge      | false | ''
            POST | /internal/force_flush                 | ADMIN | /internal/force_flush      | false | ''
            GET  | /internal/log_new_series              | ADMIN | /internal/log_new_series   | false | ''
            POST | /api/v1/admin/tsdb/snapshot           | ADMIN | /api/v1/admin/tsdb/snapshot | false | ''
            GET  | /snapshot/create                      | ADMIN | /snapshot/create           | false | ''
            GET  | /snapshot/list                        | ADMIN | /snapshot/list             | false | ''
            GET  | /snapshot/delete                      | ADMIN | /snapshot/delete           | false | ''
            GET  | /snapshot/delete_all                  | ADMIN | /snapshot/delete_all       | false | ''
            """)
    void catalogueClassifiesAsVictoriaMetricsRoutes(String method, String path, RequestClass cls, String canonical,
                                                     boolean confinable, String clusterPath) {
        Endpoint e = EndpointCatalogue.classify(method, path);
        assertNotNull(e, method + " " + path);
        assertEquals(cls, e.requestClass());
        assertEquals(canonical, e.path());
        assertEquals(confinable, e.confinable());
        assertEquals(clusterPath.isEmpty() ? null : clusterPath, e.clusterPath(TENANT));
    }

    @ParameterizedTest(name = "{0} {1} is not catalogued")
    @CsvSource(delimiter = '|', textBlock = """
            GET    | /
            GET    | /metrics
            GET    | /prometheus/metrics
            GET    | /flags
            GET    | /health
            GET    | /ping
            GET    | /-/healthy
            GET    | /-/ready
            GET    | /ready
            GET    | /favicon.ico
            GET    | /debug/pprof/heap
            POST   | /-/reload
            POST   | /prometheus/-/reload
            GET    | /targets
            GET    | /prometheus/targets
            GET    | /service-discovery
            GET    | /api/v1/targets
            GET    | /prometheus/api/v1/targets
            GET    | /target_response
            GET    | /config
            GET    | /api/v1/status/config
            GET    | /prometheus/api/v1/status/config
            GET    | /vmui
            GET    | /vmui/
            GET    | /prometheus/vmui/index.html
            GET    | /graph
            GET    | /graph/
            GET    | /static/js/app.js
            GET    | /prometheus/static/js/app.js
            GET    | /vmalert
            GET    | /vmalert/api/v1/rules
            GET    | /api/v1/rules
            GET    | /prometheus/api/v1/rules
            GET    | /rules
            GET    | /api/v1/alerts
            GET    | /alerts
            GET    | /api/v1/notifiers
            GET    | /metric-relabel-debug
            GET    | /target-relabel-debug
            GET    | /expand-with-exprs
            GET    | /prettify-query
            GET    | /admin/tenants
            GET    | /api/v1/query/
            GET    | /api/v1/query_range/
            GET    | /api/v1/Query
            GET    | /API/v1/query
            GET    | /api/v1/querys
            GET    | /api/v1/label/values
            GET    | /api/v1/label/a/b/values
            GET    | /api/v1/label/job
            GET    | /prometheus/prometheus/api/v1/query
            GET    | /graphite/prometheus/api/v1/query
            GET    | /prometheus/graphite/render
            GET    | /prometheus
            GET    | /graphite
            GET    | /tags/
            GET    | /tags/autoComplete/other
            GET    | /functionsXYZ
            POST   | /graphite/api/v1/write
            POST   | /graphite/write
            POST   | /prometheus/write
            POST   | /prometheus/influx/write
            POST   | /prometheus/datadog/api/v1/series
            POST   | /api/v1/write/
            POST   | /influx/write/
            POST   | /api/v1/import/prometheusXYZ
            POST   | /api/v1/import/prometheus/
            POST   | /api/v1/import/prometheus/other
            POST   | /api/v1/import/prometheus/metrics/job/
            POST   | /graphite/api/v1/import/prometheus
            GET    | /prometheus/snapshot/create
            GET    | /graphite/snapshot/create
            GET    | /snapshot
            GET    | /snapshot/
            GET    | /prometheus/internal/force_merge
            GET    | /select/1:5/prometheus/api/v1/query
            POST   | /insert/1:5/prometheus/api/v1/write
            POST   | /delete/1:5/prometheus/api/v1/admin/tsdb/delete_series
            GET    | /select
            GET    | /api//v1/query
            GET    | /api/v1/../v1/query
            GET    | /api/v1/query%2F
            GET    | api/v1/query
            GET    | /api/v1/query?query=up
            """)
    void hostPathsUnknownPathsAndUnsafePathsAreNotCatalogued(String method, String path) {
        assertNull(EndpointCatalogue.classify(method, path));
    }

    @ParameterizedTest(name = "{0} {1} is refused for its method")
    @CsvSource(delimiter = '|', textBlock = """
            PUT     | /api/v1/query
            DELETE  | /api/v1/query
            OPTIONS | /api/v1/query
            get     | /api/v1/query
            ''      | /api/v1/query
            TRACE   | /api/v1/series
            GET     | /api/v1/write
            HEAD    | /api/v1/write
            DELETE  | /api/v1/import
            GET     | /influx/write
            GET     | /datadog/api/v1/series
            GET     | /api/v1/import/prometheus/metrics/job/a
            GET     | /tags/tagSeries
            PUT     | /api/v1/label/job/values
            DELETE  | /api/v1/admin/tsdb/delete_series
            PUT     | /snapshot/create
            DELETE  | /snapshot/delete
            PATCH   | /internal/force_merge
            """)
    void unexpectedMethodIsNotCatalogued(String method, String path) {
        assertNull(EndpointCatalogue.classify(method, path));
    }

    @ParameterizedTest(name = "{0} carries a tenant")
    @ValueSource(strings = {"/select/1:5/prometheus/api/v1/query", "/insert/0/prometheus/api/v1/write",
            "/delete/multitenant/prometheus/api/v1/admin/tsdb/delete_series", "/select", "/insert/", "/delete"})
    void tenantPrefixedPathIsReported(String path) {
        assertTrue(EndpointCatalogue.hasTenantPrefix(path));
    }

    @ParameterizedTest(name = "{0} carries no tenant")
    @ValueSource(strings = {"/api/v1/query", "/selectx/1/api", "/prometheus/select/1/api/v1/query", "/inserts",
            "/", ""})
    void pathWithoutTenantPrefixIsNotReported(String path) {
        assertFalse(EndpointCatalogue.hasTenantPrefix(path));
    }
}

package io.tsgate.request;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tsgate.request.WriteFormat;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class WriteFormatTest {
    @ParameterizedTest(name = "{0} → {1}")
    @CsvSource(nullValues = "null", value = {
        "/api/v1/write, PROMETHEUS_REMOTE_WRITE",
        "/prometheus/api/v1/write, PROMETHEUS_REMOTE_WRITE",
        "/api/v1/push, PROMETHEUS_REMOTE_WRITE",
        "/insert/1:5/prometheus/api/v1/write, PROMETHEUS_REMOTE_WRITE",
        "/insert/1:5/prometheus, PROMETHEUS_REMOTE_WRITE",
        "/insert/1:5/prometheus/, PROMETHEUS_REMOTE_WRITE",
        "/api/v1/import?extra_label=team=dev, VM_JSON_LINE",
        "/insert/0:0/prometheus/api/v1/import, VM_JSON_LINE",
        "/api/v1/import/prometheus, PROMETHEUS_TEXT",
        "/prometheus/api/v1/import/prometheus, PROMETHEUS_TEXT",
        "/api/v1/import/prometheus/metrics/job/x, UNCOUNTABLE",
        "/api/v1/import/csv?format=2:metric:m, CSV",
        "/api/v1/import/native, NATIVE",
        "/insert/7:0/prometheus/api/v1/import/native, NATIVE",
        "/influx/write, INFLUX",
        "/write?db=x, INFLUX",
        "/influx/api/v2/write, INFLUX",
        "/insert/1:2/influx/write, INFLUX",
        "/opentsdb/api/put, OPENTSDB_HTTP",
        "/api/put, OPENTSDB_HTTP",
        "/datadog/api/v1/series, UNCOUNTABLE",
        "/opentelemetry/v1/metrics, UNCOUNTABLE",
        "/datadog/api/v1/validate, STORES_NOTHING",
        "/datadog/api/v1/validate/, STORES_NOTHING",
        "/datadog/api/v2/series/, UNCOUNTABLE",
        "/prometheus/api/v1/push, PROMETHEUS_REMOTE_WRITE",
        "/tags/tagSeries, UNCOUNTABLE",
        "/influx/query, STORES_NOTHING",
        "/newrelic, STORES_NOTHING",
        "/api/v1/query, null",
        "/api/v1/export, null",
        "/select/1:5/prometheus/api/v1/query, null",
        "/insert/1:5, null",
    })
    void formatFollowsThePathVictoriaMetricsRoutes(String path, WriteFormat want) {
        assertEquals(want, EndpointCatalogue.writeFormat(path));
    }
}

package io.tsgate.request;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Write endpoints Debian's VictoriaMetrics 1.79.5 does not serve, so no differential test against the local binary
 * can run them (it answers 400 "unsupported path" and stores nothing). What tsgate does with them rests on the
 * current source, VictoriaMetrics commit b7ef6cc3ed35c607e053a8b7755fc3b896a10eaa:
 * <ul>
 * <li>Confined tokens may write them: every handler reads {@code extra_label} (protoparserutil.GetExtraLabels) and
 * adds those labels after the body's own, so they win in MetricName.sortTags (last value of a name wins) —
 * app/vminsert/opentelemetry/request_handler.go lines 64-67, newrelic/request_handler.go 51-58,
 * datadogv2/request_handler.go 51-67, datadogsketches/request_handler.go 49-60, zabbixconnector/request_handler.go
 * 45-49. A series past -maxLabelsPerTimeseries is ignored whole (app/vminsert/common/insert_ctx.go line 122,
 * lib/timeserieslimits/timeseries_limits.go IsExceeding), not truncated as 1.79 truncates it, so the extra labels
 * cannot be pushed out.</li>
 * <li>Tenants whose writes are counted may not: tsgate has no decoder for them, so they are uncountable
 * ({@code -ratelimit.uncountableWrites=deny} by default).</li>
 * </ul>
 * If a row here changes, re-read those handlers at the new commit first.
 */
class UntestableWriteFormatsTest {

    @ParameterizedTest(name = "POST {0}")
    @CsvSource({
        "/opentelemetry/v1/metrics",
        "/opentelemetry/api/v1/push",
        "/newrelic/infra/v2/metrics/events/bulk",
        "/datadog/api/v2/series",
        "/datadog/api/beta/sketches",
        "/zabbixconnector/api/v1/history",
    })
    void confinedTokensMayWriteThemCountedTenantsMayNot(String path) {
        Endpoint e = EndpointCatalogue.classify("POST", path);
        assertEquals(RequestClass.WRITE, e.requestClass());
        assertTrue(e.confinable(), "extra_label is applied last by the current handler");
        assertEquals(WriteFormat.UNCOUNTABLE, EndpointCatalogue.writeFormat(path), "no decoder: refused for counted tenants");
    }
}

package io.tsgate.http;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * Requests the HTTP listener refused before any endpoint saw them ({@code tsgate_http_refused_total{reason}}): not
 * decisions, but a proxy or client that speaks broken or oversized HTTP, or stops mid-request.
 */
final class Refusals {
    final CounterDataPoint badRequest;
    final CounterDataPoint uriTooLong;
    final CounterDataPoint headerTooLarge;
    final CounterDataPoint tooManyHeaders;
    final CounterDataPoint headerReadTimeout;
    final CounterDataPoint wrongAuthKey;

    Refusals(PrometheusRegistry registry) {
        Counter c = Counter.builder().name("tsgate_http_refused_total")
                .help("HTTP requests refused by the listener before any endpoint: bad_request (400), uri_too_long (414), "
                        + "header_too_large and too_many_headers (431), header_read_timeout (connection closed), wrong_auth_key (401: -metricsAuthKey)")
                .labelNames("reason").register(registry);
        badRequest = c.labelValues("bad_request");
        uriTooLong = c.labelValues("uri_too_long");
        headerTooLarge = c.labelValues("header_too_large");
        tooManyHeaders = c.labelValues("too_many_headers");
        headerReadTimeout = c.labelValues("header_read_timeout");
        wrongAuthKey = c.labelValues("wrong_auth_key");
    }
}

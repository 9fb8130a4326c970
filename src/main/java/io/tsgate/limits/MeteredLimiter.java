package io.tsgate.limits;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tsgate.request.Tenant;
import java.util.concurrent.CompletionStage;

/**
 * Per-tenant usage metrics around any backend: {@code tsgate_tenant_requests_total} (read requests counted),
 * {@code tsgate_tenant_rows_inserted_total} (rows of admitted writes), {@code tsgate_tenant_limit_hits_total} (by
 * limit type) and, when the backend estimates series, {@code tsgate_tenant_active_series} and
 * {@code tsgate_tenant_new_series}. These are also what the {@code datasource} backend's default queries read back.
 */
public final class MeteredLimiter implements Limiter {
    static final String[] TENANT_LABELS = {"account_id", "project_id"};

    private final Limiter backend;
    private final Counter requests;
    private final Counter rows;
    private final Counter hits;
    /** Data points resolved once per tenant, so a counted request does no label lookup or allocation. */
    private final java.util.concurrent.ConcurrentHashMap<Tenant, CounterDataPoint> requestPoints =
            new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.concurrent.ConcurrentHashMap<Tenant, CounterDataPoint> rowPoints =
            new java.util.concurrent.ConcurrentHashMap<>();

    public MeteredLimiter(Limiter backend, SeriesEstimator series, PrometheusRegistry registry) {
        this.backend = backend;
        this.requests = Counter.builder().name("tsgate_tenant_requests_total")
                .help("Read requests of a tenant counted against its queries limits (allowed ones)")
                .labelNames(TENANT_LABELS).register(registry);
        this.rows = Counter.builder().name("tsgate_tenant_rows_inserted_total")
                .help("Rows (samples) of a tenant's admitted writes")
                .labelNames(TENANT_LABELS).register(registry);
        this.hits = Counter.builder().name("tsgate_tenant_limit_hits_total")
                .help("Requests of a tenant refused with 429, by limit type (backend_unavailable: -ratelimit.failureMode=closed)")
                .labelNames("account_id", "project_id", "type").register(registry);
        if (series != null) {
            GaugeWithCallback.builder().name("tsgate_tenant_active_series")
                    .help("Estimated distinct series a tenant wrote in the trailing hour (HyperLogLog)")
                    .labelNames(TENANT_LABELS)
                    .callback(cb -> series.tenants().forEach(t -> cb.call(series.activeSeries(t), ids(t))))
                    .register(registry);
            GaugeWithCallback.builder().name("tsgate_tenant_new_series")
                    .help("Estimated series of the current window (minute or hour) not seen in the hour before it")
                    .labelNames("account_id", "project_id", "resolution")
                    .callback(cb -> series.tenants().forEach(t -> {
                        for (Resolution r : Resolution.values()) {
                            cb.call(series.newSeries(t, r), Long.toString(t.accountId()), Long.toString(t.projectId()),
                                    r.label());
                        }
                    }))
                    .register(registry);
        }
    }

    private static CounterDataPoint point(java.util.concurrent.ConcurrentHashMap<Tenant, CounterDataPoint> cache,
                                          Counter counter, Tenant t) {
        CounterDataPoint p = cache.get(t);
        return p != null ? p : cache.computeIfAbsent(t, x -> counter.labelValues(ids(x)));
    }

    private static String[] ids(Tenant t) {
        return new String[] {Long.toString(t.accountId()), Long.toString(t.projectId())};
    }

    @Override
    public CompletionStage<LimitVerdict> acquireQuery(Tenant tenant) {
        return backend.acquireQuery(tenant).thenApply(v -> {
            if (v.allowed()) {
                point(requestPoints, requests, tenant).inc();
            } else {
                hits.labelValues(Long.toString(tenant.accountId()), Long.toString(tenant.projectId()), v.type()).inc();
            }
            return v;
        });
    }

    @Override
    public CompletionStage<LimitVerdict> admitWrite(Tenant tenant, long rowCount, long[] seriesHashes) {
        return backend.admitWrite(tenant, rowCount, seriesHashes).thenApply(v -> {
            if (v.allowed()) {
                point(rowPoints, rows, tenant).inc(rowCount);
            } else {
                hits.labelValues(Long.toString(tenant.accountId()), Long.toString(tenant.projectId()), v.type()).inc();
            }
            return v;
        });
    }

    @Override
    public boolean countsWrites(Tenant tenant) {
        return backend.countsWrites(tenant);
    }

    @Override
    public String unavailableReason() {
        return backend.unavailableReason();
    }
}

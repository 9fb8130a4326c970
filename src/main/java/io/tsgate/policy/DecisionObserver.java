package io.tsgate.policy;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.tsgate.request.RequestClass;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tsgate.log.CappedLines;
import io.tsgate.log.LogSettings;
import io.tsgate.request.RequestAttributes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts and logs every decision: one metric sample per decision by adapter, class, decision and reason, a latency
 * histogram, and one WARN line per denial (status, reason, tenant, subject, client, method, path without query, as
 * fields of their own in JSON) — never a credential, never the query string. Denial lines share the per-second WARN
 * cap ({@code -loggerWarnsPerSecondLimit}); what it suppresses is counted and summarised by the log package.
 */
public final class DecisionObserver {
    private static final Logger LOG = LoggerFactory.getLogger("io.tsgate.decision");
    private final Counter decisions;
    private final Histogram latency;
    private final int trustedProxyHops;
    private final boolean accessLog;
    private final java.util.concurrent.ConcurrentHashMap<String, AdapterPoints> points =
            new java.util.concurrent.ConcurrentHashMap<>();

    public DecisionObserver(PrometheusRegistry registry, int trustedProxyHops, boolean accessLog) {
        this.decisions = Counter.builder().name("tsgate_decisions_total")
                .help("Authorization decisions by adapter, request class, decision (allow/deny) and reason")
                .labelNames("adapter", "class", "decision", "reason").register(registry);
        this.latency = Histogram.builder().name("tsgate_decision_duration_seconds")
                .help("Time to decide one request, by adapter").labelNames("adapter")
                .classicUpperBounds(0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05)
                .classicOnly().register(registry);
        this.trustedProxyHops = trustedProxyHops;
        this.accessLog = accessLog;
    }

    /** Data points of the allow path, resolved once per adapter so the hot path does no label lookups. */
    private record AdapterPoints(DistributionDataPoint latency, CounterDataPoint[] allowed) {
    }

    private AdapterPoints points(String adapter) {
        AdapterPoints p = points.get(adapter);
        if (p == null) {
            RequestClass[] classes = RequestClass.values();
            CounterDataPoint[] allowed = new CounterDataPoint[classes.length];
            for (RequestClass c : classes) {
                allowed[c.ordinal()] = decisions.labelValues(adapter, c.label(), "allow", "ok");
            }
            p = new AdapterPoints(latency.labelValues(adapter), allowed);
            AdapterPoints raced = points.putIfAbsent(adapter, p);
            p = raced == null ? p : raced;
        }
        return p;
    }

    public void record(String adapter, RequestAttributes r, Decision d, long startNanos) {
        AdapterPoints p = points(adapter);
        p.latency().observe((System.nanoTime() - startNanos) / 1e9);
        if (d instanceof Allow a) {
            p.allowed()[a.requestClass().ordinal()].inc();
            if (accessLog && LOG.isInfoEnabled()) {
                LOG.atInfo().setMessage("allowed").addKeyValue("class", a.requestClass().label())
                        .addKeyValue("tenant", String.valueOf(a.tenant())).addKeyValue("subject", a.access().subject())
                        .addKeyValue("client", clientAddress(r)).addKeyValue("method", r.method())
                        .addKeyValue("path", pathOnly(r)).log();
            }
        } else if (d instanceof Deny n) {
            decisions.labelValues(adapter, n.requestClass() == null ? "none" : n.requestClass().label(), "deny",
                    n.reason()).inc();
            // The cap is taken before the line is built: a flood of bad credentials costs a CAS per denial, no garbage.
            if (LogSettings.admitDenial()) {
                LOG.atWarn().addMarker(CappedLines.ADMITTED).setMessage("denied").addKeyValue("status", n.status())
                        .addKeyValue("reason", n.reason()).addKeyValue("tenant", String.valueOf(n.tenant()))
                        .addKeyValue("subject", n.subject()).addKeyValue("client", clientAddress(r))
                        .addKeyValue("method", r.method()).addKeyValue("path", pathOnly(r)).log();
            }
        }
    }

    /** The X-Forwarded-For entry chosen by -http.trustedProxyHops (N-th from the right), else the peer. */
    String clientAddress(RequestAttributes r) {
        String xff = r.header("x-forwarded-for");
        if (trustedProxyHops > 0 && xff != null) {
            String[] hops = xff.split(",");
            int idx = hops.length - trustedProxyHops;
            if (idx >= 0) {
                return hops[idx].trim();
            }
        }
        return r.peer();
    }

    private static String pathOnly(RequestAttributes r) {
        String p = r.rawPath();
        int q = p.indexOf('?');
        String path = q < 0 ? p : p.substring(0, q);
        return path.length() > 256 ? path.substring(0, 256) + "…" : path;
    }

}

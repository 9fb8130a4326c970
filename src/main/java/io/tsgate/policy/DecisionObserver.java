package io.tsgate.policy;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tsgate.request.RequestAttributes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts and logs every decision: one metric sample per decision by adapter, class, decision and reason, a latency
 * histogram, and one log line per denial (reason, tenant, subject, client, method, path without query) — never a
 * credential, never the query string.
 */
public final class DecisionObserver {
    private static final Logger LOG = LoggerFactory.getLogger("io.tsgate.decision");
    private final Counter decisions;
    private final Histogram latency;
    private final int trustedProxyHops;
    private final boolean accessLog;

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

    public void record(String adapter, RequestAttributes r, Decision d, long startNanos) {
        latency.labelValues(adapter).observe((System.nanoTime() - startNanos) / 1e9);
        if (d instanceof Allow a) {
            decisions.labelValues(adapter, a.requestClass().label(), "allow", "ok").inc();
            if (accessLog) {
                LOG.info("allowed class={} tenant={} subject={} client={} method={} path={}", a.requestClass().label(),
                        a.access().tenant(), quote(a.access().subject()), clientAddress(r), r.method(), pathOnly(r));
            }
        } else if (d instanceof Deny n) {
            decisions.labelValues(adapter, "none", "deny", n.reason()).inc();
            LOG.info("denied status={} reason={} tenant={} subject={} client={} method={} path={}", n.status(), n.reason(),
                    n.tenant(), quote(n.subject()), clientAddress(r), r.method(), pathOnly(r));
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

    private static String quote(String s) {
        return "\"" + s.replace("\"", "'") + "\"";
    }
}

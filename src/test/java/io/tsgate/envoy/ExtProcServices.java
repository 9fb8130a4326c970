package io.tsgate.envoy;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tsgate.ingest.WriteBodyCounter;
import io.tsgate.limits.Limiter;
import io.tsgate.policy.DecisionObserver;
import io.tsgate.policy.WriteAdmission;
import java.util.Map;

/**
 * An {@link ExtProcService} wired as {@code Gateway} wires it: the write decision over {@code limiter} with the
 * counter's body bound, and a decision observer of its own on {@code registry}.
 */
public final class ExtProcServices {
    private ExtProcServices() {
    }

    public static ExtProcService of(WriteBodyCounter counter, WriteCountingPool pool, Limiter limiter,
                                    boolean denyUncountable, PrometheusRegistry registry, Map<String, String> securityHeaders) {
        return new ExtProcService(counter, pool, new WriteAdmission(limiter, denyUncountable, counter.maxBodyBytes()),
                new DecisionObserver(registry, 0, false), registry, securityHeaders);
    }
}

package io.tsgate.limits;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tsgate.request.Tenant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies {@code -ratelimit.failureMode} to a backend whose stages can fail: a failed check becomes an allow
 * (open) or a 429 with reason {@code limit_backend_unavailable} (closed), counted in
 * {@code tsgate_ratelimit_backend_failures_total}. One log line when the backend starts failing and one when it
 * answers again, not one per request. {@link #probe} also asks the backend itself, so an outage shows in
 * {@code tsgate_ratelimit_backend_up} and the log while no request needs a limit. An outage is never unreadiness:
 * tsgate still decides every request, by the failure mode.
 */
public final class FailSafeLimiter implements Limiter {
    private static final Logger LOG = LoggerFactory.getLogger(FailSafeLimiter.class);
    /** The verdict type of a refusal caused by an unreachable backend. */
    public static final String BACKEND_UNAVAILABLE = "backend_unavailable";
    /** The refusal when the backend cannot answer (failure mode closed, or the limiter call itself failed). */
    public static final LimitVerdict UNAVAILABLE = new LimitVerdict(false, BACKEND_UNAVAILABLE, 0, 0, 1);

    private final Limiter backend;
    private final String backendName;
    private final FailureMode mode;
    private final Counter failures;
    private final AtomicBoolean failing = new AtomicBoolean();
    /** The backend's own reason it cannot answer, as of the last {@link #probe}; null while it can. */
    private volatile String backendDown;
    /** A check failed while the backend itself said it was down: its coming back ends that failure. */
    private volatile boolean failedWhileDown;

    public FailSafeLimiter(Limiter backend, String backendName, FailureMode mode, PrometheusRegistry registry) {
        this.backend = backend;
        this.backendName = backendName;
        this.mode = mode;
        this.failures = Counter.builder().name("tsgate_ratelimit_backend_failures_total")
                .help("Limit checks the backend could not answer, by backend and the -ratelimit.failureMode applied")
                .labelNames("backend", "failure_mode").register(registry);
        // The series exists at 0 from the start: an alert on increase() then fires on the very first failure.
        failures.labelValues(backendName, mode.name().toLowerCase(java.util.Locale.ROOT));
        GaugeWithCallback.builder().name("tsgate_ratelimit_backend_up")
                .help("1 while the rate-limit backend answers, 0 while it is down or its last check failed "
                        + "(-ratelimit.failureMode decides meanwhile; /ready stays 200)")
                .labelNames("backend")
                .callback(cb -> cb.call(failing.get() || backendDown != null ? 0 : 1, backendName)).register(registry);
    }

    @Override
    public CompletionStage<LimitVerdict> acquireQuery(Tenant tenant) {
        return guard(callSafely(() -> backend.acquireQuery(tenant)));
    }

    @Override
    public CompletionStage<LimitVerdict> admitWrite(Tenant tenant, long rows, long[] seriesHashes) {
        return guard(callSafely(() -> backend.admitWrite(tenant, rows, seriesHashes)));
    }

    @Override
    public boolean countsWrites(Tenant tenant) {
        return backend.countsWrites(tenant);
    }

    @Override
    public String unavailableReason() {
        return backend.unavailableReason();
    }

    private static CompletionStage<LimitVerdict> callSafely(java.util.function.Supplier<CompletionStage<LimitVerdict>> call) {
        try {
            return call.get();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private CompletionStage<LimitVerdict> guard(CompletionStage<LimitVerdict> stage) {
        CompletableFuture<LimitVerdict> f = stage.toCompletableFuture();
        if (f.isDone() && !f.isCompletedExceptionally()) {
            // Answered from memory (a tenant without limits, the datasource's last usage): proves nothing about the
            // backend, so it does not end a failure — else every unlimited request would log "answers again".
            return f;
        }
        return f.handle((v, e) -> {
            if (e == null) {
                recovered();
                return v;
            }
            failures.labelValues(backendName, mode.name().toLowerCase(java.util.Locale.ROOT)).inc();
            if (backend.unavailableReason() != null) {
                failedWhileDown = true;
            }
            if (failing.compareAndSet(false, true)) {
                LOG.warn("rate limit backend {} failed ({}); failing {} until it answers again", backendName,
                        rootMessage(e), consequence());
            }
            return mode == FailureMode.OPEN ? LimitVerdict.UNLIMITED : UNAVAILABLE;
        });
    }

    /**
     * Asks the backend whether it can answer ({@link Limiter#unavailableReason}), without a request: called every
     * second on one thread (the limits thread), so an outage is logged and exported even when nothing is being
     * limited. Logs when the backend's own view changes. Seeing it usable again ends a failure of the checks that
     * happened while it said it was down; a backend that is connected but failing checks (timeouts) stays failed
     * until a check reaches it, so the two views cannot make the log flap.
     */
    public void probe() {
        String why = backend.unavailableReason();
        String before = backendDown;
        backendDown = why;
        if (why != null && before == null) {
            LOG.warn("rate limit backend {} is unavailable ({}); tsgate stays ready and keeps deciding, failing {}",
                    backendName, why, consequence());
        } else if (why == null && before != null) {
            failing.set(false);
            failedWhileDown = false;
            LOG.info("rate limit backend {} is available again", backendName);
        } else if (why == null && failedWhileDown) {
            // An outage shorter than the probe interval: the checks failed because the backend said it was down.
            failedWhileDown = false;
            recovered();
        }
    }

    private String consequence() {
        return mode == FailureMode.OPEN ? "open: requests pass uncounted" : "closed: limited tenants get 429";
    }

    private void recovered() {
        if (failing.get() && failing.compareAndSet(true, false)) {
            LOG.info("rate limit backend {} answers again", backendName);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }
}

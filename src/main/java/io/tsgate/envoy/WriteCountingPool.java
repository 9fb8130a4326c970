package io.tsgate.envoy;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tsgate.policy.Deny;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * Where ext_proc decodes and counts write bodies: a fixed number of threads and a bounded queue. The gRPC transport
 * threads also carry ext_authz Checks (Envoy sends both over the same connection), so a body is never counted on
 * them; and a burst of bodies cannot pile up without bound: when every thread is busy and every queue slot taken, a
 * body is refused at once (503) instead of waiting.
 *
 * <p>A body that waited or counted past {@code timeout} since it arrived is refused (503) rather than answered after
 * Envoy's {@code message_timeout}, when Envoy would already have failed the request. A count in progress is not
 * interrupted: a body's cost is bounded by {@code -ingest.maxDecodedBytes} and parsers linear in the body, and a
 * waiting body past its time is dropped without being counted.
 */
public final class WriteCountingPool implements AutoCloseable {
    /** Both refusals are momentary: a client may retry after a second. */
    private static final Map<String, String> RETRY_AFTER = Map.of("retry-after", "1");

    private final ThreadPoolExecutor executor;
    private final int threads;
    private final int queueSize;
    private final long timeoutNanos;
    private final Duration timeout;
    private final LongSupplier nanoTime;
    private final CounterDataPoint queueFull;
    private final CounterDataPoint timedOut;
    private final Counter cancelled;
    private final Histogram waitSeconds;
    private final Histogram countSeconds;

    /**
     * @param threads   bodies counted at once ({@code -ingest.concurrency})
     * @param queueSize bodies that may wait for a thread ({@code -ingest.queueSize})
     * @param timeout   from a body's arrival to the end of its count ({@code -ingest.countTimeout})
     */
    public WriteCountingPool(int threads, int queueSize, Duration timeout, PrometheusRegistry registry) {
        this(threads, queueSize, timeout, registry, System::nanoTime);
    }

    WriteCountingPool(int threads, int queueSize, Duration timeout, PrometheusRegistry registry, LongSupplier nanoTime) {
        this.threads = threads;
        this.queueSize = queueSize;
        this.timeout = timeout;
        this.timeoutNanos = timeout.toNanos();
        this.nanoTime = nanoTime;
        AtomicInteger n = new AtomicInteger();
        this.executor = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(queueSize),
                r -> {
                    Thread t = new Thread(r, "tsgate-ingest-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                }, new ThreadPoolExecutor.AbortPolicy());
        Counter rejected = Counter.builder().name("tsgate_ingest_rejected_total")
                .help("Write bodies refused with 503 without a count: queue_full (every counting thread busy, every "
                        + "queue slot taken: refused at once) or timeout (waited or counted past -ingest.countTimeout)")
                .labelNames("reason").register(registry);
        this.queueFull = rejected.labelValues("queue_full");
        this.timedOut = rejected.labelValues("timeout");
        this.cancelled = Counter.builder().name("tsgate_ingest_cancelled_total")
                .help("Write bodies dropped uncounted and unanswered because Envoy closed the stream first (client gone, "
                        + "message_timeout)").register(registry);
        GaugeWithCallback.builder().name("tsgate_ingest_queue_depth")
                .help("Write bodies waiting for a counting thread (at most -ingest.queueSize)")
                .callback(cb -> cb.call(executor.getQueue().size())).register(registry);
        GaugeWithCallback.builder().name("tsgate_ingest_counting_active")
                .help("Write bodies being counted now (at most -ingest.concurrency)")
                .callback(cb -> cb.call(executor.getActiveCount())).register(registry);
        this.waitSeconds = Histogram.builder().name("tsgate_ingest_queue_wait_seconds")
                .help("Time a write body waited for a counting thread")
                .classicUpperBounds(0.0001, 0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2)
                .classicOnly().register(registry);
        this.countSeconds = Histogram.builder().name("tsgate_ingest_count_duration_seconds")
                .help("Time to decode and count one write body on a counting thread")
                .classicUpperBounds(0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5)
                .classicOnly().register(registry);
    }

    /** Queues {@code job}; false, counted as {@code queue_full}, when every thread is busy and the queue is full. */
    boolean offer(Runnable job) {
        try {
            executor.execute(job);
            return true;
        } catch (RejectedExecutionException e) {
            queueFull.inc();
            return false;
        }
    }

    /** Takes {@code job} back out of the queue (its stream is gone); false when a thread already took it. */
    boolean withdraw(Runnable job) {
        if (executor.remove(job)) {
            cancelled.inc();
            return true;
        }
        return false;
    }

    long now() {
        return nanoTime.getAsLong();
    }

    /** Records the wait of a body that arrived at {@code arrived} and starts now; true when it is already too late. */
    boolean startedTooLate(long arrived, long now) {
        waitSeconds.observe(seconds(now - arrived));
        return late(arrived, now);
    }

    /** Records a count from {@code started} to {@code now}; true when the body's time, since it arrived, is over. */
    boolean finishedTooLate(long arrived, long started, long now) {
        countSeconds.observe(seconds(now - started));
        return late(arrived, now);
    }

    private boolean late(long arrived, long now) {
        if (now - arrived > timeoutNanos) {
            timedOut.inc();
            return true;
        }
        return false;
    }

    /** A job whose stream was gone by the time a thread took it. */
    void dropped() {
        cancelled.inc();
    }

    /** The refusal of a body that found every thread busy and every queue slot taken. */
    Deny overloaded(String tenant, String subject) {
        return new Deny(503, "write_counting_overloaded", "all " + threads + " write-counting threads are busy and "
                + queueSize + " bodies already wait (-ingest.concurrency, -ingest.queueSize); retry later",
                tenant, subject, RETRY_AFTER);
    }

    /** The refusal of a body that waited {@code waitedNanos} and was counted for {@code countedNanos}, too long. */
    Deny timedOut(long waitedNanos, long countedNanos, String tenant, String subject) {
        return new Deny(503, "write_counting_timeout", "the write body was not counted within -ingest.countTimeout="
                + timeout.toMillis() + "ms (waited " + waitedNanos / 1_000_000 + "ms for a counting thread, counted for "
                + countedNanos / 1_000_000 + "ms); retry later", tenant, subject, RETRY_AFTER);
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }

    /** Stops the threads; bodies still queued are dropped (their streams end with the gRPC server). */
    @Override
    public void close() {
        executor.shutdownNow();
    }
}

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
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
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
 * <p>A body not counted within {@code timeout} of its arrival is refused (503) when that time comes, by a timer, so
 * the answer reaches Envoy before its {@code message_timeout} however busy the threads are: a body still waiting
 * leaves the queue uncounted. A count in progress is not interrupted (its result is then discarded and not charged):
 * a body's cost is bounded by {@code -ingest.maxDecodedBytes} and parsers linear in the body.
 */
public final class WriteCountingPool implements AutoCloseable {
    /**
     * Both refusals are momentary: a client may retry after a second. vmagent keeps a block refused with any status
     * but 400, 409 and 415 and resends it, waiting Retry-After when given (app/vmagent/remotewrite/client.go,
     * sendBlockHTTP, VictoriaMetrics commit b7ef6cc3ed35c607e053a8b7755fc3b896a10eaa).
     */
    private static final Map<String, String> RETRY_AFTER = Map.of("retry-after", "1");

    private final ThreadPoolExecutor executor;
    /** Answers bodies whose time is over, queued or being counted; its tasks only send a reply. */
    private final ScheduledThreadPoolExecutor timer;
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
        this.timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "tsgate-ingest-deadline");
            t.setDaemon(true);
            return t;
        });
        timer.setRemoveOnCancelPolicy(true); // most deadlines are cancelled: the body was counted in time
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

    /** A body's job and its deadline, made by {@link #ticket} and handed over by {@link #offer}. */
    static final class Ticket {
        private final Runnable job;
        private final Runnable onDeadline;
        private volatile ScheduledFuture<?> deadline;

        private Ticket(Runnable job, Runnable onDeadline) {
            this.job = job;
            this.onDeadline = onDeadline;
        }
    }

    /**
     * @param job        counts the body, on a pool thread
     * @param onDeadline answers the body (503) when {@code timeout} passes first, on the timer thread; by then the
     *                   job is out of the queue if it was still waiting
     */
    Ticket ticket(Runnable job, Runnable onDeadline) {
        return new Ticket(job, onDeadline);
    }

    /** Queues the ticket's job and starts its deadline; false, counted as {@code queue_full}, when the pool is full. */
    boolean offer(Ticket t) {
        t.deadline = timer.schedule(() -> {
            executor.remove(t.job);
            t.onDeadline.run();
        }, timeoutNanos, TimeUnit.NANOSECONDS);
        try {
            executor.execute(t.job);
            return true;
        } catch (RejectedExecutionException e) {
            t.deadline.cancel(false);
            queueFull.inc();
            return false;
        }
    }

    /** Stops the deadline of a body about to be answered otherwise; false when the deadline has already fired. */
    boolean disarm(Ticket t) {
        return t.deadline.cancel(false);
    }

    /** Takes the ticket's job back out of the queue (its stream is gone); false when a thread already took it. */
    boolean withdraw(Ticket t) {
        t.deadline.cancel(false);
        if (executor.remove(t.job)) {
            cancelled.inc();
            return true;
        }
        return false;
    }

    long now() {
        return nanoTime.getAsLong();
    }

    /** Records the wait of a body that arrived at {@code arrived} and starts now; true when its time is over. */
    boolean startedTooLate(long arrived, long now) {
        waitSeconds.observe(seconds(now - arrived));
        return now - arrived > timeoutNanos;
    }

    /** Records a count from {@code started} to {@code now}; true when the body's time, since it arrived, is over. */
    boolean finishedTooLate(long arrived, long started, long now) {
        countSeconds.observe(seconds(now - started));
        return now - arrived > timeoutNanos;
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

    /** The refusal, counted as {@code timeout}, of a body not counted within {@code timeout} of its arrival. */
    Deny timedOut(String tenant, String subject) {
        timedOut.inc();
        return new Deny(503, "write_counting_timeout", "the write body was not counted within -ingest.countTimeout="
                + timeout.toMillis() + "ms of its arrival (every counting thread busy); retry later",
                tenant, subject, RETRY_AFTER);
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }

    /** Stops the threads; bodies still queued are dropped (their streams end with the gRPC server). */
    @Override
    public void close() {
        executor.shutdownNow();
        timer.shutdownNow();
    }
}

package io.tsgate.config;

import java.time.Duration;

/**
 * The threads that decode and count write bodies, off the gRPC transport threads.
 *
 * @param threads   {@code -ingest.concurrency}, resolved: bodies counted at once
 * @param queueSize {@code -ingest.queueSize}, resolved: bodies that may wait for a thread; one more is refused (503)
 * @param timeout   {@code -ingest.countTimeout}: from a body's arrival to the end of its count; past it, 503
 */
public record CountingPoolConfig(int threads, int queueSize, Duration timeout) {
    /** Queue slots per thread when {@code -ingest.queueSize} is 0. */
    static final int QUEUE_PER_THREAD = 2;

    public static CountingPoolConfig from(FlagValues f) throws ConfigException {
        int threads = f.integer("ingest.concurrency");
        if (threads < 0) {
            throw new ConfigException("-ingest.concurrency: want 0 (one thread per CPU core) or a positive count, got " + threads);
        }
        if (threads == 0) {
            threads = Runtime.getRuntime().availableProcessors();
        }
        int queue = f.integer("ingest.queueSize");
        if (queue < 0) {
            throw new ConfigException("-ingest.queueSize: want 0 (" + QUEUE_PER_THREAD
                    + " per -ingest.concurrency thread) or a positive count, got " + queue);
        }
        if (queue == 0) {
            queue = QUEUE_PER_THREAD * threads;
        }
        return new CountingPoolConfig(threads, queue, f.positiveDuration("ingest.countTimeout"));
    }
}

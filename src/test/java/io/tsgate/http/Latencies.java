package io.tsgate.http;

import java.util.Arrays;

/** Round-trip times of a run of requests, for stall detectors: quantiles in milliseconds. */
final class Latencies {
    private final double[] millis;
    private int n;

    Latencies(int capacity) {
        millis = new double[capacity];
    }

    /** Times one round trip. */
    void time(ThrowingRunnable call) throws Exception {
        long start = System.nanoTime();
        call.run();
        millis[n++] = (System.nanoTime() - start) / 1e6;
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    double quantile(double q) {
        double[] sorted = Arrays.copyOf(millis, n);
        Arrays.sort(sorted);
        return sorted[Math.min(n - 1, (int) Math.floor(q * n))];
    }

    double median() {
        return quantile(0.5);
    }

    double max() {
        return quantile(1.0);
    }

    @Override
    public String toString() {
        return String.format("n=%d median=%.2fms p90=%.2fms max=%.2fms", n, median(), quantile(0.9), max());
    }
}

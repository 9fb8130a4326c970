package io.tsgate.ingest;

import java.util.List;

/**
 * The series hash tsgate's counters would give a label set VictoriaMetrics reports as stored: lets differential tests
 * check that what tsgate counted is the series VictoriaMetrics stored, not merely as many.
 */
public final class CanonicalSeries {
    private CanonicalSeries() {
    }

    /** @param labels name and value bytes of each stored label ({@code __name__} for the metric name) */
    public static long hash(List<byte[][]> labels) {
        SeriesKey key = new SeriesKey();
        for (byte[][] l : labels) {
            byte[] both = java.util.Arrays.copyOf(l[0], l[0].length + l[1].length);
            System.arraycopy(l[1], 0, both, l[0].length, l[1].length);
            key.add(both, 0, l[0].length, l[0].length, l[1].length);
        }
        return key.hash();
    }
}

package io.tsgate.ingest;

/** Rows and distinct series of one body as a counter walks it; reused per thread through {@link #reset}. */
final class Tally {
    final SeriesKey key = new SeriesKey();
    private final LongSet series = new LongSet();
    private long rows;

    void reset(ExtraLabels extraLabels) {
        rows = 0;
        series.clear();
        key.reset();
        key.extraLabels(extraLabels);
    }

    /** The labels in {@link #key} carry {@code samples} rows; the key is reset for the next series. */
    void series(long samples) {
        rows += samples;
        series.add(key.hash());
        key.reset();
    }

    long rows() {
        return rows;
    }

    long[] seriesHashes() {
        return series.toArray();
    }
}

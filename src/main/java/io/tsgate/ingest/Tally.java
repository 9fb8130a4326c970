package io.tsgate.ingest;

/** Rows and distinct series of one body as a counter walks it; reused per thread through {@link #reset}. */
final class Tally {
    final SeriesKey key = new SeriesKey();
    private final LongSet series = new LongSet();
    private long rows;
    private long firstPassRows;

    void reset(ExtraLabels extraLabels) {
        rows = 0;
        firstPassRows = 0;
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

    /**
     * Starts counting a second reading of the same write; {@link #rows()} becomes the larger of the two readings and
     * the series their union.
     */
    void secondPass() {
        firstPassRows = rows;
        rows = 0;
        key.reset();
    }

    /** A reading abandoned part way: labels collected for an unfinished series are dropped. */
    void skipLine() {
        key.reset();
    }

    long rows() {
        return Math.max(rows, firstPassRows);
    }

    long[] seriesHashes() {
        return series.toArray();
    }
}

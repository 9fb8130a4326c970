package io.tsgate.ingest;

/**
 * Rows and distinct series of one body as a counter walks it; reused per thread through {@link #reset}.
 *
 * <p>Formats share labels between rows (an Influx line's tags go with each of its fields, a CSV line's labels with
 * each metric column), so hashing every series could cost the body size times the number of fields. The bytes of
 * sample labels hashed are therefore capped at {@value #WORK_PER_BODY_BYTE} per decoded byte plus
 * {@value #WORK_BASE_BYTES}: past that the body is refused (413 {@code write_body_too_complex}) instead of being
 * counted in quadratic time. Real clients stay far below (a line with 50 fields and 1 KiB of tags costs ~25).
 */
final class Tally {
    static final int WORK_PER_BODY_BYTE = 32;
    /**
     * VictoriaMetrics 1.79's default -maxLabelsPerTimeseries: MarshalMetricNameRaw keeps the first 30 labels and drops
     * the rest, and the extra labels that confine a write come last (current releases ignore such a series instead).
     */
    static final int MAX_LABELS = 30;
    static final int WORK_BASE_BYTES = 4 << 20;

    final SeriesKey key = new SeriesKey();
    private final LongSet series = new LongSet();
    private long rows;
    private long firstPassRows;
    private long work;
    private long workBudget;

    void reset(ExtraLabels extraLabels, long decodedBytes) {
        rows = 0;
        firstPassRows = 0;
        work = 0;
        workBudget = WORK_BASE_BYTES + WORK_PER_BODY_BYTE * decodedBytes;
        series.clear();
        key.reset();
        key.extraLabels(extraLabels);
    }

    /** The labels in {@link #key} carry {@code samples} rows; the key is reset for the next series. */
    void series(long samples) throws MalformedBodyException {
        work += key.sampleBytes();
        if (work > workBudget) {
            key.reset();
            throw new MalformedBodyException(413, "write_body_too_complex", "the write body's series repeat more label"
                    + " bytes than " + WORK_PER_BODY_BYTE + " times its size: split it, or use fewer fields per line");
        }
        if (key.extraLabels().size() > 0 && key.labelCount() > MAX_LABELS) {
            int count = key.labelCount();
            key.reset();
            throw new MalformedBodyException(400, "write_too_many_labels", "a series has " + count + " labels with the "
                    + "token's extra labels; VictoriaMetrics 1.79 keeps the first " + MAX_LABELS + " and drops the rest, "
                    + "the extra labels first: send at most " + MAX_LABELS + " including them");
        }
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

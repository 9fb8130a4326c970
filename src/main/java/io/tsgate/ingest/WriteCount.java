package io.tsgate.ingest;

/**
 * What one write body holds.
 *
 * @param rows          samples VictoriaMetrics would store
 * @param seriesHashes  64-bit hashes of the distinct series written, each once
 * @param decodedBytes  size of the body after Content-Encoding
 */
public record WriteCount(long rows, long[] seriesHashes, long decodedBytes) {
    public int series() {
        return seriesHashes.length;
    }
}

package io.tsgate.ingest;

import java.util.EnumMap;
import java.util.Map;

/**
 * Counts the rows and distinct series of one write body: size bound, Content-Encoding, format. Safe for concurrent
 * use; the scratch buffers are per thread, so a transport thread counting body after body allocates little.
 */
public final class WriteBodyCounter {
    private final long maxBodyBytes;
    private final BodyDecoder decoder;
    private final Map<WriteFormat, FormatCounter> counters = new EnumMap<>(WriteFormat.class);
    private final ThreadLocal<Tally> tallies = ThreadLocal.withInitial(Tally::new);

    public WriteBodyCounter(long maxBodyBytes, long maxDecodedBytes) {
        this.maxBodyBytes = maxBodyBytes;
        this.decoder = new BodyDecoder(maxDecodedBytes);
        counters.put(WriteFormat.PROMETHEUS_REMOTE_WRITE, new RemoteWriteCounter());
        counters.put(WriteFormat.VM_JSON_LINE, new JsonLineCounter());
        counters.put(WriteFormat.PROMETHEUS_TEXT, new PrometheusTextCounter());
        counters.put(WriteFormat.CSV, new CsvCounter());
        counters.put(WriteFormat.INFLUX, new InfluxLineCounter());
        counters.put(WriteFormat.OPENTSDB_HTTP, new OpenTsdbCounter());
    }

    public long maxBodyBytes() {
        return maxBodyBytes;
    }

    /**
     * @param format          a {@linkplain WriteFormat#countable() countable} format
     * @param contentEncoding the request's Content-Encoding header, or null
     * @param args            query arguments of the write ({@code format} for CSV, {@code db} for Influx)
     * @param extraLabels     labels VictoriaMetrics will add to every sample ({@code extra_label} of the path)
     * @throws MalformedBodyException when the body is over a bound, undecodable or not of the format
     */
    public WriteCount count(WriteFormat format, String contentEncoding, Map<String, String> args,
                            ExtraLabels extraLabels, byte[] body) throws MalformedBodyException {
        FormatCounter counter = counters.get(format);
        if (counter == null) {
            throw new IllegalArgumentException(format + " cannot be counted");
        }
        if (body.length > maxBodyBytes) {
            throw new MalformedBodyException(413, "write_body_too_large",
                    "write body of " + body.length + " bytes exceeds -ingest.maxBodyBytes=" + maxBodyBytes);
        }
        BodyDecoder.Decoded decoded = decoder.decode(format, contentEncoding, body);
        Tally tally = tallies.get();
        tally.reset(extraLabels);
        try {
            counter.count(decoded.bytes(), decoded.length(), args, tally);
            if (decoded.bytes() != body) {
                asVictoriaMetrics179ReadsIt(format, contentEncoding, args, body, counter, tally);
            }
            return new WriteCount(tally.rows(), tally.seriesHashes(), decoded.length());
        } finally {
            tally.key.release();
        }
    }

    /**
     * VictoriaMetrics 1.79 decodes only gzip on imports and only snappy on remote write: with another
     * Content-Encoding it parses the raw bytes, skipping lines it cannot read. Newer versions decode zstd, deflate
     * and snappy. So that no encoding lets a write store more than was counted, the raw body is counted too, the
     * way 1.79 reads it, and the larger reading wins (series: the union). For a genuinely compressed body the raw
     * reading finds nothing.
     */
    private void asVictoriaMetrics179ReadsIt(WriteFormat format, String contentEncoding, Map<String, String> args,
                                             byte[] body, FormatCounter counter, Tally tally) {
        String encoding = contentEncoding == null ? "" : contentEncoding.trim().toLowerCase(java.util.Locale.ROOT);
        boolean remoteWrite = format == WriteFormat.PROMETHEUS_REMOTE_WRITE;
        if (remoteWrite ? !encoding.equals("zstd") : encoding.equals("gzip") || encoding.equals("x-gzip")) {
            return; // read the same way by every version
        }
        tally.secondPass();
        try {
            if (remoteWrite) {
                BodyDecoder.Decoded snappy = decoder.decode(format, "snappy", body);
                counter.count(snappy.bytes(), snappy.length(), args, tally);
            } else {
                counter.count(body, body.length, args, tally);
            }
        } catch (MalformedBodyException e) {
            // Not readable that way either: 1.79 stores nothing of what it cannot read; what was read counts.
            tally.skipLine();
        }
    }
}

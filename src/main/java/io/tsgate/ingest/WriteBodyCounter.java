package io.tsgate.ingest;

import io.tsgate.request.WriteFormat;
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
        tally.reset(extraLabels, decoded.length());
        try {
            counter.count(decoded.bytes(), decoded.length(), args, tally);
            if (format == WriteFormat.PROMETHEUS_REMOTE_WRITE && "zstd".equals(contentEncoding)) {
                asVictoriaMetrics179ReadsIt(body, counter, args, tally);
            }
            return new WriteCount(tally.rows(), tally.seriesHashes(), decoded.length());
        } finally {
            tally.key.release();
        }
    }

    /**
     * VictoriaMetrics 1.79.5 reads every remote write as a snappy block, whatever its Content-Encoding
     * (lib/protoparser/promremotewrite/streamparser.go at v1.79.5); current releases read {@code zstd} as zstd. So
     * that neither version stores more than was counted, a zstd body is also read as snappy and the larger reading
     * wins (series: the union). A genuine zstd frame is never a valid snappy block, so this finds nothing for real
     * clients.
     */
    private void asVictoriaMetrics179ReadsIt(byte[] body, FormatCounter counter, Map<String, String> args, Tally tally) {
        tally.secondPass();
        try {
            BodyDecoder.Decoded snappy = decoder.snappyBlock(body);
            counter.count(snappy.bytes(), snappy.length(), args, tally);
        } catch (MalformedBodyException e) {
            // 1.79.5 rejects the whole request when it cannot read it that way: it stores nothing of it.
            tally.skipLine();
        }
    }
}

package io.tsgate.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tsgate.request.WriteFormat;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The series hashes feed cardinality sketches: distinct series must stay distinct and the bits well mixed. */
class SeriesHashTest {
    @Test
    void hundredThousandSimilarSeriesGetDistinctHashes() throws Exception {
        StringBuilder body = new StringBuilder();
        for (int i = 0; i < 100_000; i++) {
            body.append("http_requests_total{instance=\"host-").append(i % 1000).append("\",path=\"/p")
                    .append(i / 1000).append("\"} 1\n");
        }
        WriteCount c = new WriteBodyCounter(64 << 20, 64 << 20).count(WriteFormat.PROMETHEUS_TEXT, null, Map.of(),
                ExtraLabels.NONE, body.toString().getBytes(StandardCharsets.UTF_8));
        assertEquals(100_000, c.rows());
        assertEquals(100_000, c.series(), "no two of these series share a hash");
        int[] ones = new int[64];
        for (long h : c.seriesHashes()) {
            for (int b = 0; b < 64; b++) {
                ones[b] += (int) (h >>> b & 1);
            }
        }
        for (int b = 0; b < 64; b++) {
            // Binomial(100000, 0.5): 5 standard deviations is about 790.
            assertTrue(Math.abs(ones[b] - 50_000) < 800, "bit " + b + " set in " + ones[b] + " of 100000 hashes");
        }
    }

    @Test
    void everyByteOfTheKeyMatters() {
        byte[] a = "0123456789abcdefXYZ".getBytes(StandardCharsets.US_ASCII);
        long base = SeriesHash.of(a, 0, a.length);
        for (int i = 0; i < a.length; i++) {
            byte[] b = a.clone();
            b[i] ^= 1;
            assertTrue(SeriesHash.of(b, 0, b.length) != base, "byte " + i);
        }
        assertTrue(SeriesHash.of(a, 0, a.length - 1) != base, "length matters");
    }
}

package io.tsgate.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.tsgate.request.WriteFormat;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * CSV as VictoriaMetrics reads it (lib/protoparser/csvimport/scanner.go, parser.go at v1.79.5, 3282829e, and at
 * b7ef6cc3). Cases marked "real binary" were sent to victoria-metrics 1.79.5 and exported back.
 */
class CsvCounterTest {
    private static final Map<String, String> FORMAT = Map.of("format", "1:label:l,2:metric:cs");
    private final WriteBodyCounter counter = new WriteBodyCounter(8 << 20, 32 << 20);

    private WriteCount csv(byte[] body) throws MalformedBodyException {
        return counter.count(WriteFormat.CSV, null, FORMAT, ExtraLabels.NONE, body);
    }

    private WriteCount csv(String body) throws MalformedBodyException {
        return csv(body.getBytes(StandardCharsets.UTF_8));
    }

    /** Real binary: "a\xff" and "a\xfe" are stored as two raw label values; UTF-8 decoding made them one. */
    @Test
    void invalidUtf8LabelValuesAreDistinctSeries() throws Exception {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (int b = 0x80; b <= 0xff; b++) {
            body.write('a');
            body.write(b);
            body.writeBytes(",1\n".getBytes(StandardCharsets.US_ASCII));
        }
        WriteCount c = csv(body.toByteArray());
        assertEquals(128, c.rows());
        assertEquals(128, c.series());
    }

    /** Real binary: "x""y" is stored as x"y. */
    @Test
    void doubledQuotesInsideQuotesAreOneQuote() throws Exception {
        WriteCount json = counter.count(WriteFormat.VM_JSON_LINE, null, Map.of(), ExtraLabels.NONE,
                "{\"metric\":{\"__name__\":\"cs\",\"l\":\"x\\\"y\"},\"values\":[1]}".getBytes(StandardCharsets.UTF_8));
        assertArrayEquals(json.seriesHashes(), csv("\"x\"\"y\",3\n").seriesHashes());
        assertEquals(2, csv("\"x\"\"y\",3\n\"x\"\"\"\"y\",3\n").series());
    }

    /**
     * Current releases read {@code 'k,1'} as one quoted field, 1.79.5 as two ("'k" and "1'"); real binary 1.79.5
     * skips {@code 'k,1',4} (its metric column is "1'"). A single-quoted field refuses the body.
     */
    @ParameterizedTest
    @ValueSource(strings = {"'k,1',4", "a,'4'", "\"a\"b,1", "\"a,1", "a", "a,x", "a,1.5.5"})
    void linesTheVersionsReadApartOrSkipAreRefused(String line) {
        assertThrows(MalformedBodyException.class, () -> csv(line + "\n"), line);
    }

    @Test
    void emptyLinesCarriageReturnsAndTrailingCommas() throws Exception {
        WriteCount c = csv("\n\r\na,1\r\nb,2,\n\"c\",3,extra,\"x,y\"\n,4\nd,\n");
        assertEquals(4, c.rows(), "an empty metric column is no row");
        assertEquals(4, c.series(), "a, b, c, and no label at all");
    }
}

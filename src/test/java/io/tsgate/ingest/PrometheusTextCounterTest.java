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
 * Prometheus text as VictoriaMetrics reads it (lib/protoparser/prometheus/parser.go at v1.79.5, 3282829e, and at
 * b7ef6cc3): series that VictoriaMetrics stores apart must never count as one.
 */
class PrometheusTextCounterTest {
    private final WriteBodyCounter counter = new WriteBodyCounter(8 << 20, 32 << 20);

    private WriteCount text(byte[] body) throws MalformedBodyException {
        return counter.count(WriteFormat.PROMETHEUS_TEXT, null, Map.of(), ExtraLabels.NONE, body);
    }

    private WriteCount text(String body) throws MalformedBodyException {
        return text(body.getBytes(StandardCharsets.UTF_8));
    }

    private WriteCount json(String body) throws MalformedBodyException {
        return counter.count(WriteFormat.VM_JSON_LINE, null, Map.of(), ExtraLabels.NONE, body.getBytes(StandardCharsets.UTF_8));
    }

    /** unescapeValue keeps a backslash before anything but '\\', '"' and 'n': {@code \a} is stored as two bytes. */
    @Test
    void unknownEscapesAreKeptLiterallyAsVictoriaMetricsStoresThem() throws Exception {
        WriteCount c = text("m{a=\"\\a\"} 1\nm{a=\"a\"} 1\nm{a=\"\\\\a\"} 1\nm{a=\"\\q\"} 1\nm{a=\"q\"} 1\n");
        assertEquals(5, c.rows());
        assertEquals(4, c.series(), "\\a and \\\\a are one stored value (backslash, a); a, \\q and q are three more");
        assertArrayEquals(json("{\"metric\":{\"__name__\":\"m\",\"a\":\"\\\\a\"},\"values\":[1]}").seriesHashes(),
                text("m{a=\"\\a\"} 1\n").seriesHashes(), "stored as backslash + a");
        assertArrayEquals(json("{\"metric\":{\"__name__\":\"m\",\"a\":\"x\\\"y\\n\"},\"values\":[1]}").seriesHashes(),
                text("m{a=\"x\\\"y\\n\"} 1\n").seriesHashes(), "the three escapes Prometheus defines");
    }

    /** VictoriaMetrics keeps label bytes as they are; decoding them as UTF-8 folded every invalid byte into U+FFFD. */
    @Test
    void invalidUtf8ValuesAreDistinctSeries() throws Exception {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (int b = 0x80; b <= 0xff; b++) {
            body.writeBytes("m{a=\"".getBytes(StandardCharsets.US_ASCII));
            body.write(b);
            body.writeBytes("\"} 1\n".getBytes(StandardCharsets.US_ASCII));
        }
        WriteCount c = text(body.toByteArray());
        assertEquals(128, c.rows());
        assertEquals(128, c.series());
        byte[] name = {'m', (byte) 0xff, ' ', '1', '\n'};
        byte[] other = {'m', (byte) 0xfe, ' ', '1', '\n'};
        assertEquals(2, text(concat(name, other)).series(), "metric names too");
    }

    /**
     * 1.79.5 looks for the first '{' anywhere on the line: {@code m 1 {a="x"} 2} is stored as the series
     * {@code m 1{a="x"}} (checked against the real binary), one per distinct label. A line of any shape the two
     * versions might read differently refuses the body.
     */
    @ParameterizedTest
    @ValueSource(strings = {"m 1 {a=\"x\"} 2", "m 1 2 3", "m 1 # comment", "m 1 2 # c", "m{a=\"1\"} 1 x", "{a=\"1\"} 1",
            "m{\"a\"=\"1\"} 1", "m{a=1} 1", "m{a b=\"1\"} 1", "m{a=\"1\" b=\"2\"} 1", "a=b 1", "m\\x 1", "m# 1",
            "m{a=\"1\"", "m{a=\"1} 1", "m", "m ", "m\t", "m{a=\"1\"}", "m{,} 1", "m{=\"x\"} 1", "m 1\r2"})
    void linesTheVersionsMightReadApartAreRefused(String line) {
        MalformedBodyException e = assertThrows(MalformedBodyException.class, () -> text(line + "\n"), line);
        assertEquals(400, e.status());
    }

    @Test
    void blanksCommentsAndCarriageReturnsAsVictoriaMetricsSkipsThem() throws Exception {
        WriteCount c = text("# HELP m x\n  # indented comment\n\t#tab comment\n\n  \r\nm 1\r\n \tm{a=\"1\"}   2   1700000000  \n"
                + "m{a=\"1\",} 3\nm {a=\"2\"} 4\nm{ a = \"3\" ,b=\"\"}5\nm\t6\t1\nm{} 7");
        assertEquals(7, c.rows());
        assertEquals(4, c.series(), "m, m{a=1}, m{a=2}, m{a=3}: an empty value is no label");
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}

package io.tsgate.ingest;

import io.tsgate.request.WriteFormat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Decoded-size limits at their exact bound, the refusal text of a Content-Encoding, and line and column numbers. */
class DecodeEdgesTest {
    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aBodyOfExactlyTheDecodedLimitIsCounted() throws Exception {
        byte[] text = utf8("m 1\nn 2\n");
        WriteBodyCounter exact = new WriteBodyCounter(1 << 20, text.length);
        assertEquals(2, exact.count(WriteFormat.PROMETHEUS_TEXT, null, Map.of(), ExtraLabels.NONE, text).rows());
        MalformedBodyException over = assertThrows(MalformedBodyException.class, () -> new WriteBodyCounter(1 << 20,
                text.length - 1).count(WriteFormat.PROMETHEUS_TEXT, null, Map.of(), ExtraLabels.NONE, text));
        assertEquals(413, over.status());
        assertEquals("write_body_too_large", over.reason());
    }

    @Test
    void aSnappyBodyDecodingToExactlyTheLimitIsCounted() throws Exception {
        byte[] snappy = Fixtures.vmagentRemoteWrite().get(0);
        int decoded = Fixtures.unsnappy(snappy).length;
        long rows = new WriteBodyCounter(1 << 24, decoded).count(WriteFormat.PROMETHEUS_REMOTE_WRITE, "snappy", Map.of(),
                ExtraLabels.NONE, snappy).rows();
        assertTrue(rows > 0);
        MalformedBodyException over = assertThrows(MalformedBodyException.class, () -> new WriteBodyCounter(1 << 24,
                decoded - 1).count(WriteFormat.PROMETHEUS_REMOTE_WRITE, "snappy", Map.of(), ExtraLabels.NONE, snappy));
        assertEquals("write_body_too_large", over.reason());
    }

    /** The refused header is quoted with everything outside printable ASCII (and quote, backslash) escaped, 64 at most. */
    @Test
    void aRefusedContentEncodingIsQuotedSafely() {
        WriteBodyCounter counter = new WriteBodyCounter(1 << 20, 1 << 20);
        String odd = " !~\u007f\u001f\"\\\u00e9x";
        MalformedBodyException e = assertThrows(MalformedBodyException.class, () -> counter.count(
                WriteFormat.PROMETHEUS_TEXT, odd, Map.of(), ExtraLabels.NONE, utf8("m 1\n")));
        assertEquals("write_encoding_unsupported", e.reason());
        assertTrue(e.getMessage().startsWith("Content-Encoding \" !~\\u007f\\u001f\\u0022\\u005c\\u00e9x\" is refused"),
                e.getMessage());
        MalformedBodyException longOne = assertThrows(MalformedBodyException.class, () -> counter.count(
                WriteFormat.PROMETHEUS_TEXT, "b".repeat(100), Map.of(), ExtraLabels.NONE, utf8("m 1\n")));
        assertTrue(longOne.getMessage().startsWith("Content-Encoding \"" + "b".repeat(64) + "\" is refused"),
                longOne.getMessage());
    }

    @Test
    void refusalsNameTheLineAndColumn() {
        WriteBodyCounter counter = new WriteBodyCounter(1 << 20, 1 << 20);
        MalformedBodyException text = assertThrows(MalformedBodyException.class, () -> counter.count(
                WriteFormat.PROMETHEUS_TEXT, null, Map.of(), ExtraLabels.NONE, utf8("m 1\n\nm x\n")));
        assertTrue(text.getMessage().contains("line 3:"), text.getMessage());
        MalformedBodyException csv = assertThrows(MalformedBodyException.class, () -> counter.count(WriteFormat.CSV, null,
                Map.of("format", "1:label:l,2:metric:m"), ExtraLabels.NONE, utf8("a,1\nb,x\n")));
        assertTrue(csv.getMessage().contains("line 2") && csv.getMessage().contains("column 2 is not a number"),
                csv.getMessage());
    }

    /** More columns than the splitter starts with: the 40th is still read as the metric. */
    @Test
    void aLineWithManyColumnsIsSplitWhole() throws Exception {
        StringBuilder line = new StringBuilder();
        for (int i = 1; i < 40; i++) {
            line.append(i % 2 == 0 ? "\"q" + i + "\"" : "c" + i).append(',');
        }
        line.append("7\n");
        WriteBodyCounter counter = new WriteBodyCounter(1 << 20, 1 << 20);
        WriteCount c = counter.count(WriteFormat.CSV, null, Map.of("format", "2:label:l,39:label:k,40:metric:m"),
                ExtraLabels.NONE, utf8(line.toString()));
        assertEquals(1, c.rows());
        assertEquals(counter.count(WriteFormat.PROMETHEUS_TEXT, null, Map.of(), ExtraLabels.NONE,
                utf8("m{l=\"q2\",k=\"c39\"} 7\n")).seriesHashes()[0], c.seriesHashes()[0]);
        MalformedBodyException bad = assertThrows(MalformedBodyException.class, () -> counter.count(WriteFormat.CSV, null,
                Map.of("format", "40:metric:m"), ExtraLabels.NONE, utf8(line.toString().replace(",7\n", ",x\n"))));
        assertTrue(bad.getMessage().contains("column 40 is not a number"), bad.getMessage());
    }
}

package io.tsgate.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.tsgate.request.WriteFormat;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * JSON line import as VictoriaMetrics reads it with fastjson (lib/protoparser/vmimport/parser.go and
 * vendor/github.com/valyala/fastjson at v1.79.5, 3282829e, and at b7ef6cc3). Cases marked "real binary" were sent to
 * victoria-metrics 1.79.5 and exported back.
 */
class JsonLineCounterTest {
    private final WriteBodyCounter counter = new WriteBodyCounter(8 << 20, 32 << 20);

    private WriteCount json(byte[] body) throws MalformedBodyException {
        return counter.count(WriteFormat.VM_JSON_LINE, null, Map.of(), ExtraLabels.NONE, body);
    }

    private WriteCount json(String body) throws MalformedBodyException {
        return json(body.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Real binary: with "values" twice VictoriaMetrics stores the first array (1 sample), tsgate counted the last
     * (3). A repeated key is refused: fastjson's lookup also depends on how the key was escaped.
     */
    @ParameterizedTest
    @ValueSource(strings = {
            "{\"metric\":{\"__name__\":\"m\"},\"values\":[1],\"timestamps\":[1],\"values\":[1,2,3],\"timestamps\":[1,2,3]}",
            "{\"metric\":{\"__name__\":\"m\"},\"metric\":{\"__name__\":\"n\"},\"values\":[1],\"timestamps\":[1]}",
            "{\"metric\":{\"__name__\":\"m\"},\"metr\\u0069c\":{\"__name__\":\"n\"},\"values\":[1],\"timestamps\":[1]}",
            "{\"metric\":{\"__name__\":\"m\"},\"values\":[1],\"timestamps\":[1],\"timestamps\":[1]}"})
    void repeatedKeysAreRefused(String line) {
        MalformedBodyException e = assertThrows(MalformedBodyException.class, () -> json(line + "\n"));
        assertEquals(400, e.status());
    }

    /**
     * Real binary: "\ud800" and "\udbff" are stored as the six characters written, two series; Jackson decoded both
     * to a lone surrogate that UTF-8 encoding turns into '?'. Refused.
     */
    @ParameterizedTest
    @ValueSource(strings = {"\\ud800", "\\udbff", "\\udc00", "x\\ud800y", "\\ud800\\u0041", "\\ud800\\ud800\\udc00"})
    void loneSurrogateEscapesAreRefused(String escaped) {
        for (String line : new String[] {
                "{\"metric\":{\"__name__\":\"m\",\"k\":\"" + escaped + "\"},\"values\":[1],\"timestamps\":[1]}",
                "{\"metric\":{\"__name__\":\"m\",\"" + escaped + "\":\"v\"},\"values\":[1],\"timestamps\":[1]}"}) {
            assertThrows(MalformedBodyException.class, () -> json(line), line);
        }
    }

    @Test
    void surrogatePairsAndOtherEscapesDecodeAsFastjsonDoes() throws Exception {
        assertArrayEquals(json("{\"metric\":{\"__name__\":\"m\",\"k\":\"\uD83D\uDE00\u00e9/\"},\"values\":[1]}").seriesHashes(),
                json("{\"metric\":{\"__name__\":\"m\",\"k\":\"\\ud83d\\ude00\\u00E9\\/\"},\"values\":[1]}").seriesHashes());
    }

    /** fastjson keeps invalid UTF-8 bytes as they are; Jackson cannot, so such a body is refused. */
    @Test
    void invalidUtf8AndControlBytesAreRefused() {
        byte[] prefix = "{\"metric\":{\"__name__\":\"m\",\"k\":\"".getBytes(StandardCharsets.US_ASCII);
        byte[] suffix = "\"},\"values\":[1],\"timestamps\":[1]}\n".getBytes(StandardCharsets.US_ASCII);
        for (byte[] bad : new byte[][] {{(byte) 0xff}, {(byte) 0xc0, (byte) 0x80}, {(byte) 0xed, (byte) 0xa0, (byte) 0x80},
                {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, {(byte) 0xe2, (byte) 0x82}, {0}, {1}}) {
            byte[] body = new byte[prefix.length + bad.length + suffix.length];
            System.arraycopy(prefix, 0, body, 0, prefix.length);
            System.arraycopy(bad, 0, body, prefix.length, bad.length);
            System.arraycopy(suffix, 0, body, prefix.length + bad.length, suffix.length);
            assertThrows(MalformedBodyException.class, () -> json(body), java.util.Arrays.toString(bad));
        }
    }

    /**
     * vmimport's unmarshalTags stores a tag whose value is no string with an empty value, that is, drops it. Nested
     * values used to be read as further tags of the metric, so lines differing only in a later tag counted as one.
     */
    @Test
    void tagsWhoseValueIsNoStringAreDroppedAndNestedValuesSkipped() throws Exception {
        WriteCount c = json("{\"metric\":{\"__name__\":\"m\",\"a\":{\"b\":\"c\"},\"x\":\"1\"},\"values\":[1]}\n"
                + "{\"metric\":{\"__name__\":\"m\",\"a\":{\"b\":\"c\"},\"x\":\"2\"},\"values\":[1]}\n"
                + "{\"metric\":{\"__name__\":\"m\",\"a\":[\"q\"],\"n\":1,\"t\":true,\"z\":null,\"x\":\"3\"},\"values\":[1,[2],{}]}\n");
        assertEquals(5, c.rows());
        assertEquals(3, c.series());
        assertArrayEquals(json("{\"metric\":{\"__name__\":\"m\",\"x\":\"1\"},\"values\":[1]}").seriesHashes(),
                json("{\"metric\":{\"__name__\":\"m\",\"a\":{\"b\":\"c\"},\"x\":\"1\"},\"values\":[1]}").seriesHashes());
    }

    private WriteCount openTsdb(String body) throws MalformedBodyException {
        return counter.count(WriteFormat.OPENTSDB_HTTP, null, Map.of(), ExtraLabels.NONE, body.getBytes(StandardCharsets.UTF_8));
    }

    /** lib/protoparser/opentsdbhttp/parser.go reads the body with fastjson: the same key and string rules. */
    @ParameterizedTest
    @ValueSource(strings = {
            "{\"metric\":\"a\",\"metric\":\"b\",\"value\":1}",
            "{\"metric\":\"a\",\"value\":1,\"tags\":{\"h\":\"x\"},\"tags\":{\"h\":\"y\"}}",
            "{\"metric\":\"a\",\"value\":1,\"value\":2}",
            "{\"metric\":\"a\",\"value\":1,\"tags\":{\"h\":{\"x\":\"y\"},\"i\":\"z\"}}",
            "{\"metric\":\"a\\ud800\",\"value\":1}",
            "[{\"metric\":\"a\",\"value\":1,\"tags\":{\"h\":\"\\udfff\"}}]"})
    void openTsdbRepeatedKeysNestedTagsAndLoneSurrogatesAreRefused(String body) {
        assertThrows(MalformedBodyException.class, () -> openTsdb(body), body);
    }
}

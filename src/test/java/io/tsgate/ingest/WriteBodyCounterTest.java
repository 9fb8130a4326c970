package io.tsgate.ingest;

import static io.tsgate.ingest.Fixtures.resource;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tsgate.request.Label;
import io.tsgate.request.WriteFormat;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every format and encoding, on bodies real clients produced (src/test/resources/ingest/capture-fixtures.sh):
 * VictoriaMetrics' own /metrics text, the remote-write bodies vmagent sent after ingesting it, and
 * VictoriaMetrics' JSON line and CSV exports of the same samples. Series hashes are canonical, so the same samples
 * must give the same hash set whatever format carried them.
 */
class WriteBodyCounterTest {
    private static final byte[] TEXT = resource("vm-metrics.prom");
    private final WriteBodyCounter counter = new WriteBodyCounter(8 << 20, 32 << 20);

    private WriteCount count(WriteFormat f, String encoding, byte[] body) throws MalformedBodyException {
        return counter.count(f, encoding, Map.of(), ExtraLabels.NONE, body);
    }

    private WriteCount text(String body, Label... extra) throws MalformedBodyException {
        return counter.count(WriteFormat.PROMETHEUS_TEXT, null, Map.of(), ExtraLabels.of(List.of(extra)),
                body.getBytes(StandardCharsets.UTF_8));
    }

    private static Set<Long> set(long[] hashes) {
        Set<Long> s = new HashSet<>();
        for (long h : hashes) {
            s.add(h);
        }
        assertEquals(hashes.length, s.size(), "hashes are distinct");
        return s;
    }

    @Test
    void prometheusTextFromRealExporterCountsEverySampleLine() throws Exception {
        WriteCount c = count(WriteFormat.PROMETHEUS_TEXT, null, TEXT);
        long lines = Fixtures.sampleLines(TEXT);
        assertTrue(lines > 100, "fixture has many samples");
        assertEquals(lines, c.rows());
        assertEquals(lines, c.series(), "each exposed line is its own series");
        assertEquals(TEXT.length, c.decodedBytes());
    }

    @Test
    void vmagentRemoteWriteCountsTheSamplesItWasFed() throws Exception {
        WriteCount text = count(WriteFormat.PROMETHEUS_TEXT, null, TEXT);
        long rows = 0;
        Set<Long> series = new HashSet<>();
        for (byte[] body : Fixtures.vmagentRemoteWrite()) {
            WriteCount c = count(WriteFormat.PROMETHEUS_REMOTE_WRITE, "snappy", body);
            rows += c.rows();
            series.addAll(set(c.seriesHashes()));
        }
        assertEquals(text.rows(), rows);
        assertEquals(set(text.seriesHashes()), series, "remote write and text name the same series");
    }

    @Test
    void remoteWriteWithoutContentEncodingIsSnappy() throws Exception {
        byte[] body = Fixtures.vmagentRemoteWrite().get(0);
        assertEquals(count(WriteFormat.PROMETHEUS_REMOTE_WRITE, "snappy", body).rows(),
                count(WriteFormat.PROMETHEUS_REMOTE_WRITE, null, body).rows());
    }

    @Test
    void remoteWriteZstdCountsAsSnappy() throws Exception {
        for (byte[] body : Fixtures.vmagentRemoteWrite()) {
            WriteCount snappy = count(WriteFormat.PROMETHEUS_REMOTE_WRITE, "snappy", body);
            WriteCount zstd = count(WriteFormat.PROMETHEUS_REMOTE_WRITE, "zstd", Fixtures.zstd(Fixtures.unsnappy(body)));
            assertEquals(snappy.rows(), zstd.rows());
            assertEquals(set(snappy.seriesHashes()), set(zstd.seriesHashes()));
        }
    }

    @Test
    void jsonLineExportOfTheSameSamplesNamesTheSameSeries() throws Exception {
        WriteCount text = count(WriteFormat.PROMETHEUS_TEXT, null, TEXT);
        WriteCount json = count(WriteFormat.VM_JSON_LINE, null, resource("vm-export.jsonl"));
        assertEquals(text.rows(), json.rows());
        assertEquals(set(text.seriesHashes()), set(json.seriesHashes()));
    }

    @Test
    void jsonLineRowsAreTheValues() throws Exception {
        WriteCount c = count(WriteFormat.VM_JSON_LINE, null, ("{\"metric\":{\"__name__\":\"m\",\"a\":\"1\"},\"values\":[1,2,3],\"timestamps\":[1,2,3]}\n"
                + "{\"metric\":{\"__name__\":\"m\",\"a\":\"1\"},\"values\":[4],\"timestamps\":[4]}\n"
                + "{\"values\":[5,null],\"timestamps\":[5,6],\"metric\":{\"__name__\":\"n\"}}").getBytes(StandardCharsets.UTF_8));
        assertEquals(6, c.rows());
        assertEquals(set(text("m{a=\"1\"} 1\nn 2\n").seriesHashes()), set(c.seriesHashes()));
    }

    @Test
    void csvExportImportedWithItsFormatNamesTheSameSeries() throws Exception {
        WriteCount csv = counter.count(WriteFormat.CSV, null, Map.of("format", "2:metric:vm_rows,1:label:type,3:time:unix_ms"),
                ExtraLabels.NONE, resource("vm-export.csv"));
        String vmRows = new String(TEXT, StandardCharsets.UTF_8).lines().filter(l -> l.startsWith("vm_rows{"))
                .reduce("", (a, b) -> a + b + "\n");
        WriteCount text = text(vmRows);
        assertTrue(text.rows() >= 3);
        assertEquals(text.rows(), csv.rows());
        assertEquals(set(text.seriesHashes()), set(csv.seriesHashes()));
    }

    @Test
    void csvCountsOneRowPerNonEmptyMetricColumn() throws Exception {
        WriteCount c = counter.count(WriteFormat.CSV, null, Map.of("format", "2:metric:ask,3:metric:bid,1:label:ticker,4:label:market"),
                ExtraLabels.NONE, ("GOOG,1.23,4.56,NYSE\n\"MS,FT\",3.21,,\"NAS\"\"DAQ\"\r\n\nGOOG,1,2,NYSE\n").getBytes(StandardCharsets.UTF_8));
        assertEquals(5, c.rows());
        assertEquals(set(text("ask{ticker=\"GOOG\",market=\"NYSE\"} 1\nbid{ticker=\"GOOG\",market=\"NYSE\"} 1\n"
                + "ask{ticker=\"MS,FT\",market=\"NAS\\\"DAQ\"} 1\n").seriesHashes()), set(c.seriesHashes()));
    }

    @Test
    void csvWithoutFormatIsRejected() {
        MalformedBodyException e = assertThrows(MalformedBodyException.class, () -> counter.count(WriteFormat.CSV, null,
                Map.of(), ExtraLabels.NONE, "a,1\n".getBytes(StandardCharsets.UTF_8)));
        assertEquals(400, e.status());
        assertTrue(e.getMessage().contains("format"), e.getMessage());
    }

    @Test
    void influxFieldsBecomeMeasurementUnderscoreField() throws Exception {
        String body = "# comment\n"
                + "cpu,host=a,region=eu usage=1.5,idle=2i,up=true 1700000000000000000\n"
                + "cpu,host=a,region=eu usage=2\n"
                + "cpu,host=b note=\"a string, with spaces\",usage=3\n"
                + "disk\\ io,path=/a\\,b\\ c reads=7\n";
        WriteCount c = counter.count(WriteFormat.INFLUX, null, Map.of(), ExtraLabels.NONE, body.getBytes(StandardCharsets.UTF_8));
        assertEquals(7, c.rows(), "string fields are stored too (as the number they hold, or 0)");
        WriteCount expected = counter.count(WriteFormat.VM_JSON_LINE, null, Map.of(), ExtraLabels.NONE,
                ("{\"metric\":{\"__name__\":\"cpu_usage\",\"host\":\"a\",\"region\":\"eu\"},\"values\":[1]}"
                + "{\"metric\":{\"__name__\":\"cpu_idle\",\"host\":\"a\",\"region\":\"eu\"},\"values\":[1]}"
                + "{\"metric\":{\"__name__\":\"cpu_up\",\"host\":\"a\",\"region\":\"eu\"},\"values\":[1]}"
                + "{\"metric\":{\"__name__\":\"cpu_usage\",\"host\":\"b\"},\"values\":[1]}"
                + "{\"metric\":{\"__name__\":\"cpu_note\",\"host\":\"b\"},\"values\":[1]}"
                + "{\"metric\":{\"__name__\":\"disk io_reads\",\"path\":\"/a,b c\"},\"values\":[1]}").getBytes(StandardCharsets.UTF_8));
        assertEquals(set(expected.seriesHashes()), set(c.seriesHashes()));
    }

    @Test
    void influxDbArgumentIsALabelUnlessATagNamesIt() throws Exception {
        byte[] body = "m,host=a v=1\nm,db=own v=1\n".getBytes(StandardCharsets.UTF_8);
        WriteCount c = counter.count(WriteFormat.INFLUX, null, Map.of("db", "telegraf"), ExtraLabels.NONE, body);
        assertEquals(set(text("m_v{host=\"a\",db=\"telegraf\"} 1\nm_v{db=\"own\"} 1\n").seriesHashes()), set(c.seriesHashes()));
    }

    @Test
    void openTsdbCountsObjectsSingleOrInAnArray() throws Exception {
        String one = "{\"metric\":\"sys.cpu\",\"timestamp\":1700000000,\"value\":1.5,\"tags\":{\"host\":\"a\"}}";
        String many = "[" + one + ",{\"metric\":\"sys.cpu\",\"timestamp\":1700000001,\"value\":2,\"tags\":{\"host\":\"a\"}},"
                + "{\"metric\":\"sys.mem\",\"value\":3,\"tags\":{\"host\":\"b\",\"dc\":\"x\"}}]";
        WriteCount single = counter.count(WriteFormat.OPENTSDB_HTTP, null, Map.of(), ExtraLabels.NONE, one.getBytes(StandardCharsets.UTF_8));
        WriteCount array = counter.count(WriteFormat.OPENTSDB_HTTP, null, Map.of(), ExtraLabels.NONE, many.getBytes(StandardCharsets.UTF_8));
        assertEquals(1, single.rows());
        assertEquals(3, array.rows());
        assertEquals(set(text("sys.cpu{host=\"a\"} 1\nsys.mem{dc=\"x\",host=\"b\"} 1\n").seriesHashes()), set(array.seriesHashes()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"gzip", "identity", "none", ""})
    void everyContentEncodingGivesTheSameCount(String encoding) throws Exception {
        UnaryOperator<byte[]> encode = encoding.equals("gzip") ? Fixtures::gzip : b -> b;
        WriteCount plain = count(WriteFormat.PROMETHEUS_TEXT, null, TEXT);
        for (WriteFormat f : List.of(WriteFormat.PROMETHEUS_TEXT, WriteFormat.VM_JSON_LINE)) {
            byte[] body = f == WriteFormat.PROMETHEUS_TEXT ? TEXT : resource("vm-export.jsonl");
            byte[] encoded = encode.apply(body);
            if (encoding.equals("gzip")) {
                assertNotEquals(body.length, encoded.length, "really encoded");
            }
            WriteCount c = count(f, encoding, encoded);
            assertEquals(plain.rows(), c.rows(), f + " " + encoding);
            assertEquals(set(plain.seriesHashes()), set(c.seriesHashes()), f + " " + encoding);
            assertEquals(body.length, c.decodedBytes());
        }
    }

    @Test
    void extraLabelsAreAppliedAndOverrideTheSamplesOwn() throws Exception {
        Label team = new Label("team", "dev");
        assertEquals(set(text("m{a=\"1\",team=\"dev\"} 1\n").seriesHashes()), set(text("m{a=\"1\"} 1\n", team).seriesHashes()));
        assertEquals(set(text("m{a=\"1\",team=\"dev\"} 1\n").seriesHashes()),
                set(text("m{team=\"prod\",a=\"1\"} 1\n", team).seriesHashes()), "the injected label wins");
        WriteCount twoTeams = text("m{team=\"a\"} 1\nm{team=\"b\"} 2\n", team);
        assertEquals(2, twoTeams.rows());
        assertEquals(1, twoTeams.series(), "both samples land in team=dev");
        assertEquals(1, text("m 1\n", new Label("team", "x"), new Label("team", "dev")).series());
        assertEquals(set(text("m{team=\"dev\"} 1\n").seriesHashes()),
                set(text("m 1\n", new Label("team", "x"), new Label("team", "dev")).seriesHashes()), "last value wins");
    }

    @Test
    void labelOrderAndEmptyValuesDoNotMakeNewSeries() throws Exception {
        long[] a = text("m{a=\"1\",b=\"2\"} 1\n").seriesHashes();
        assertArrayEquals(a, text("m{b=\"2\",a=\"1\"} 1\n").seriesHashes());
        assertArrayEquals(a, text("m{b=\"2\",c=\"\",a=\"1\"} 1\n").seriesHashes());
        assertNotEquals(a[0], text("m{a=\"1\",b=\"3\"} 1\n").seriesHashes()[0]);
        assertNotEquals(text("m{a=\"12\"} 1\n").seriesHashes()[0], text("m{a1=\"2\"} 1\n").seriesHashes()[0],
                "label boundaries are part of the key");
    }

    @Test
    void prometheusTextUnescapesLabelValues() throws Exception {
        WriteCount c = text("m{a=\"x\\\"y\\\\z\\n\"} 1 1700000000000\n  # indented comment\n\n");
        WriteCount json = counter.count(WriteFormat.VM_JSON_LINE, null, Map.of(), ExtraLabels.NONE,
                "{\"metric\":{\"__name__\":\"m\",\"a\":\"x\\\"y\\\\z\\n\"},\"values\":[1]}".getBytes(StandardCharsets.UTF_8));
        assertEquals(1, c.rows());
        assertArrayEquals(json.seriesHashes(), c.seriesHashes());
    }

    /**
     * VictoriaMetrics 1.79.5 un-gzips only the exact value {@code gzip} and parses any other Content-Encoding as plain
     * bytes (app/vminsert/prometheusimport/request_handler.go and the other import handlers at v1.79.5, 3282829e:
     * {@code req.Header.Get("Content-Encoding") == "gzip"}); current releases decode zstd, snappy, gzip and deflate and reject other values
     * (lib/protoparser/protoparserutil/compress_reader.go at b7ef6cc3). Every value outside the set both read alike
     * is refused, whatever the body holds.
     */
    @ParameterizedTest
    @ValueSource(strings = {"x-gzip", "GZIP", "Gzip", " gzip", "gzip ", "\tgzip", "gzip, gzip", "gzip,identity",
            "identity, gzip", "deflate", "zstd", "snappy", "br", "compress", "IDENTITY", "None", "*"})
    void importEncodingsVersionsReadDifferentlyAreRefused(String encoding) {
        for (WriteFormat f : List.of(WriteFormat.PROMETHEUS_TEXT, WriteFormat.VM_JSON_LINE, WriteFormat.CSV,
                WriteFormat.INFLUX, WriteFormat.OPENTSDB_HTTP)) {
            MalformedBodyException e = assertThrows(MalformedBodyException.class,
                    () -> counter.count(f, encoding, Map.of("format", "1:metric:m"), ExtraLabels.NONE, Fixtures.gzip(utf8("1\n"))),
                    f + " " + encoding);
            assertEquals(400, e.status());
            assertEquals("write_encoding_unsupported", e.reason());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"SNAPPY", "Snappy", "ZSTD", "zstd ", "gzip", "identity", "none", "x-snappy", "snappy, zstd"})
    void remoteWriteEncodingsVersionsReadDifferentlyAreRefused(String encoding) {
        byte[] body = Fixtures.vmagentRemoteWrite().get(0);
        MalformedBodyException e = assertThrows(MalformedBodyException.class,
                () -> count(WriteFormat.PROMETHEUS_REMOTE_WRITE, encoding, body));
        assertEquals("write_encoding_unsupported", e.reason());
    }

    /**
     * The attack that worked: with {@code x-gzip}, 1.79.5 parses the raw bytes, so sample lines placed in a gzip
     * member's FCOMMENT header are stored while a gzip reader sees only the compressed payload.
     */
    @Test
    void xGzipWithRowsInTheGzipCommentIsRefused() {
        byte[] payload = Fixtures.gzip(utf8("ok 1\n"));
        byte[] smuggled = utf8("\nsmug_a 1\nsmug_b 2\n");
        byte[] body = new byte[payload.length + smuggled.length + 1];
        System.arraycopy(payload, 0, body, 0, 10);
        body[3] |= 0x10; // FCOMMENT: a zero-terminated comment follows the 10-byte header
        System.arraycopy(smuggled, 0, body, 10, smuggled.length);
        System.arraycopy(payload, 10, body, 11 + smuggled.length, payload.length - 10);
        for (String encoding : List.of("x-gzip", "GZIP", "Gzip")) {
            MalformedBodyException e = assertThrows(MalformedBodyException.class,
                    () -> count(WriteFormat.PROMETHEUS_TEXT, encoding, body), encoding);
            assertEquals("write_encoding_unsupported", e.reason());
        }
    }

    @Test
    void remoteWriteLabelledZstdButSnappyInsideIsRefused() {
        byte[] body = Fixtures.vmagentRemoteWrite().get(0);
        MalformedBodyException e = assertThrows(MalformedBodyException.class,
                () -> count(WriteFormat.PROMETHEUS_REMOTE_WRITE, "zstd", body));
        assertEquals(400, e.status(), "not zstd: refused, never passed uncounted");
    }

    @Test
    void genuinelyCompressedBodiesAreNotOvercounted() throws Exception {
        WriteCount plain = count(WriteFormat.PROMETHEUS_TEXT, null, TEXT);
        assertEquals(plain.rows(), count(WriteFormat.PROMETHEUS_TEXT, "gzip", Fixtures.gzip(TEXT)).rows());
        for (byte[] body : Fixtures.vmagentRemoteWrite()) {
            assertEquals(count(WriteFormat.PROMETHEUS_REMOTE_WRITE, "snappy", body).rows(),
                    count(WriteFormat.PROMETHEUS_REMOTE_WRITE, "zstd", Fixtures.zstd(Fixtures.unsnappy(body))).rows());
        }
    }

    @Test
    void valuesMustBeNumbersAsVictoriaMetricsParsesThem() throws Exception {
        assertEquals(4, text("a 1\nb -2.5e3\nc NaN\nd +Inf 1700000000000\n").rows());
        for (String bad : List.of("a x\n", "a 1.2.3\n", "a {\n")) {
            assertThrows(MalformedBodyException.class, () -> text(bad), bad);
        }
        // Influx: any unquoted value is stored (fastfloat.ParseBestEffort reads "abc" as 0), unless an integer suffix
        // fails to parse (lib/protoparser/influx/parser.go parseFieldValue, v1.79.5 and b7ef6cc3).
        assertEquals(1, counter.count(WriteFormat.INFLUX, null, Map.of(), ExtraLabels.NONE, utf8("m f=abc\n")).rows());
        assertThrows(MalformedBodyException.class, () -> counter.count(WriteFormat.INFLUX, null, Map.of(), ExtraLabels.NONE,
                utf8("m f=1.5i\n")));
        assertEquals(3, counter.count(WriteFormat.INFLUX, null, Map.of(), ExtraLabels.NONE, utf8("m a=1i,b=-2.5,c=T\n")).rows());
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void bodyOverTheLimitIsRefusedBeforeDecoding() {
        WriteBodyCounter small = new WriteBodyCounter(1024, 1 << 20);
        MalformedBodyException e = assertThrows(MalformedBodyException.class,
                () -> small.count(WriteFormat.PROMETHEUS_TEXT, null, Map.of(), ExtraLabels.NONE, TEXT));
        assertEquals(413, e.status());
        assertEquals("write_body_too_large", e.reason());
    }

    @ParameterizedTest
    @ValueSource(strings = {"gzip", "zstd"})
    void compressionBombIsRefusedAtTheDecodedLimit(String encoding) {
        byte[] zeros = new byte[4 << 20];
        byte[] bomb = encoding.equals("gzip") ? Fixtures.gzip(zeros) : Fixtures.zstd(zeros);
        WriteFormat format = encoding.equals("gzip") ? WriteFormat.PROMETHEUS_TEXT : WriteFormat.PROMETHEUS_REMOTE_WRITE;
        assertTrue(bomb.length < 64 << 10, "small on the wire: " + bomb.length);
        WriteBodyCounter bounded = new WriteBodyCounter(1 << 20, 1 << 20);
        MalformedBodyException e = assertThrows(MalformedBodyException.class,
                () -> bounded.count(format, encoding, Map.of(), ExtraLabels.NONE, bomb));
        assertEquals(413, e.status());
    }

    @Test
    void smallDecodedLimitHoldsToo() {
        WriteBodyCounter tiny = new WriteBodyCounter(100, 100);
        byte[] body = Fixtures.gzip(new byte[101]);
        MalformedBodyException e = assertThrows(MalformedBodyException.class,
                () -> tiny.count(WriteFormat.PROMETHEUS_TEXT, "gzip", Map.of(), ExtraLabels.NONE, body));
        assertEquals(413, e.status());
    }

    @Test
    void snappyBodyClaimingMoreThanTheLimitIsRefused() {
        byte[] body = Fixtures.snappy(new byte[2 << 20]);
        WriteBodyCounter bounded = new WriteBodyCounter(1 << 20, 1 << 20);
        MalformedBodyException e = assertThrows(MalformedBodyException.class,
                () -> bounded.count(WriteFormat.PROMETHEUS_REMOTE_WRITE, "snappy", Map.of(), ExtraLabels.NONE, body));
        assertEquals(413, e.status());
    }

    @Test
    void bodyExactlyAtTheDecodedLimitIsCounted() throws Exception {
        byte[] line = "m 1\n".getBytes(StandardCharsets.UTF_8);
        byte[] body = new byte[line.length * 1024];
        for (int i = 0; i < 1024; i++) {
            System.arraycopy(line, 0, body, i * line.length, line.length);
        }
        WriteBodyCounter exact = new WriteBodyCounter(body.length, body.length);
        assertEquals(1024, exact.count(WriteFormat.PROMETHEUS_TEXT, "gzip", Map.of(), ExtraLabels.NONE, Fixtures.gzip(body)).rows());
    }

    @Test
    void malformedBodiesAndEncodingsAreRefusedWithTheirReason() {
        byte[] garbage = "not a protobuf \u0000\u00ff".getBytes(StandardCharsets.UTF_8);
        record Case(WriteFormat f, String enc, byte[] body, String reason) {
        }
        List<Case> cases = List.of(
                new Case(WriteFormat.PROMETHEUS_REMOTE_WRITE, "snappy", garbage, "write_body_malformed"),
                new Case(WriteFormat.PROMETHEUS_REMOTE_WRITE, "snappy", Fixtures.snappy(garbage), "write_body_malformed"),
                new Case(WriteFormat.PROMETHEUS_REMOTE_WRITE, "gzip", Fixtures.gzip(garbage), "write_encoding_unsupported"),
                new Case(WriteFormat.PROMETHEUS_TEXT, "br", TEXT, "write_encoding_unsupported"),
                new Case(WriteFormat.PROMETHEUS_TEXT, "gzip", TEXT, "write_body_malformed"),
                new Case(WriteFormat.PROMETHEUS_TEXT, null, "m{a=1} 1\n".getBytes(StandardCharsets.UTF_8), "write_body_malformed"),
                new Case(WriteFormat.PROMETHEUS_TEXT, null, "m\n".getBytes(StandardCharsets.UTF_8), "write_body_malformed"),
                new Case(WriteFormat.VM_JSON_LINE, null, "{\"metric\":{}".getBytes(StandardCharsets.UTF_8), "write_body_malformed"),
                new Case(WriteFormat.VM_JSON_LINE, null, "[1]".getBytes(StandardCharsets.UTF_8), "write_body_malformed"),
                new Case(WriteFormat.INFLUX, null, "cpu\n".getBytes(StandardCharsets.UTF_8), "write_body_malformed"),
                new Case(WriteFormat.OPENTSDB_HTTP, null, "{\"metric\":\"m\"}".getBytes(StandardCharsets.UTF_8), "write_body_malformed"));
        for (Case c : cases) {
            MalformedBodyException e = assertThrows(MalformedBodyException.class,
                    () -> count(c.f(), c.enc(), c.body()), c.toString());
            assertEquals(c.reason(), e.reason(), c.f() + " " + c.enc() + ": " + e.getMessage());
            assertEquals(400, e.status());
        }
    }

    @Test
    void remoteWriteSeriesWithoutSamplesAreNotCounted() throws Exception {
        // WriteRequest{timeseries{labels{name:"__name__" value:"m"}}} — no samples.
        byte[] label = {0x0a, 0x08, '_', '_', 'n', 'a', 'm', 'e', '_', '_', 0x12, 0x01, 'm'};
        byte[] series = new byte[2 + label.length];
        series[0] = 0x0a;
        series[1] = (byte) label.length;
        System.arraycopy(label, 0, series, 2, label.length);
        byte[] request = new byte[2 + series.length];
        request[0] = 0x0a;
        request[1] = (byte) series.length;
        System.arraycopy(series, 0, request, 2, series.length);
        WriteCount c = count(WriteFormat.PROMETHEUS_REMOTE_WRITE, "snappy", Fixtures.snappy(request));
        assertEquals(0, c.rows());
        assertEquals(0, c.series());
        assertTrue(Arrays.equals(new long[0], c.seriesHashes()));
    }

    /**
     * Current releases expand a native histogram (TimeSeries field 4) into several stored series
     * (lib/prompb/write_request_unmarshaler.go at b7ef6cc3); tsgate counted none. Refused.
     */
    @Test
    void remoteWriteNativeHistogramsAreRefused() {
        byte[] label = {0x0a, 0x08, '_', '_', 'n', 'a', 'm', 'e', '_', '_', 0x12, 0x01, 'h'};
        byte[] histogram = {0x22, 0x02, 0x08, 0x01}; // field 4, length 2: {count_int: 1}
        byte[] series = new byte[2 + label.length + histogram.length];
        series[0] = 0x0a;
        series[1] = (byte) label.length;
        System.arraycopy(label, 0, series, 2, label.length);
        System.arraycopy(histogram, 0, series, 2 + label.length, histogram.length);
        byte[] request = new byte[2 + series.length];
        request[0] = 0x0a;
        request[1] = (byte) series.length;
        System.arraycopy(series, 0, request, 2, series.length);
        MalformedBodyException e = assertThrows(MalformedBodyException.class,
                () -> count(WriteFormat.PROMETHEUS_REMOTE_WRITE, "snappy", Fixtures.snappy(request)));
        assertTrue(e.getMessage().contains("histogram"), e.getMessage());
    }

    /** InsertCtx.AddLabel skips an empty value: extra_label=team= leaves the sample's team label in place. */
    @Test
    void anExtraLabelWithAnEmptyValueReplacesNothing() throws Exception {
        WriteCount c = text("m{team=\"a\"} 1\nm{team=\"b\"} 1\n", new Label("team", ""));
        assertEquals(2, c.series());
        assertEquals(set(text("m{team=\"x\"} 1\n").seriesHashes()),
                set(text("m{team=\"a\"} 1\n", new Label("team", "x"), new Label("team", "")).seriesHashes()),
                "the last non-empty value wins");
    }
}

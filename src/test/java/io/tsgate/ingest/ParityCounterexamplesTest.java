package io.tsgate.ingest;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tsgate.request.Label;
import io.tsgate.request.WriteFormat;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Counterexamples the differential test against the real VictoriaMetrics (it/WriteParityIT) found, minimised: each
 * body is one VictoriaMetrics 1.79.5 stored more rows or series from than tsgate counted. Counting at least as much,
 * or refusing the body, passes.
 */
class ParityCounterexamplesTest {
    private static final ExtraLabels CASE = ExtraLabels.of(List.of(new Label("tsgate_case", "1")));
    private final WriteBodyCounter counter = new WriteBodyCounter(1 << 20, 4 << 20);

    /** The counts, or null when tsgate refuses the body (which the oracle accepts). */
    private WriteCount count(WriteFormat format, String encoding, Map<String, String> args, byte[] body) {
        try {
            return counter.count(format, encoding, args, CASE, body);
        } catch (MalformedBodyException e) {
            return null;
        }
    }

    private void assertChargedAtLeast(long rows, int series, WriteCount c) {
        if (c != null) {
            assertTrue(c.rows() >= rows, "rows charged " + c.rows() + ", stored " + rows);
            assertTrue(c.series() >= series, "series charged " + c.series() + ", stored " + series);
        }
    }

    private static byte[] latin1(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /**
     * An empty label name is the metric name to VictoriaMetrics (storage.MetricName.AddTag), and of two, the last
     * wins: these lines store the series x and y. Sorting labels by name loses which of "" and __name__ came last.
     */
    @Test
    void jsonLineEmptyLabelNameAndMetricNameInEitherOrderAreTwoSeries() {
        byte[] body = latin1("{\"metric\":{\"__name__\":\"x\",\"\":\"y\"},\"values\":[1],\"timestamps\":[1700000000000]}\n"
                + "{\"metric\":{\"\":\"y\",\"__name__\":\"x\"},\"values\":[1],\"timestamps\":[1700000000000]}\n");
        assertChargedAtLeast(2, 2, count(WriteFormat.VM_JSON_LINE, null, Map.of(), body));
    }

    /** The same in remote write: a label with an empty name is the metric name, and the last of the two wins. */
    @Test
    void remoteWriteEmptyLabelNameAndMetricNameInEitherOrderAreTwoSeries() {
        byte[] first = concat(label("__name__", "x"), label("", "y"), sample());
        byte[] second = concat(label("", "y"), label("__name__", "x"), sample());
        byte[] request = concat(field(1, first), field(1, second));
        assertChargedAtLeast(2, 2, count(WriteFormat.PROMETHEUS_REMOTE_WRITE, null, Map.of(), Fixtures.snappy(request)));
    }

    /**
     * OpenTSDB drops a tag with an empty name (opentsdbhttp unmarshalTags), so it must not become the metric name:
     * these objects store m and x, whichever member comes first.
     */
    @Test
    void openTsdbTagWithAnEmptyNameIsDroppedNotTheMetricName() {
        byte[] body = latin1("[{\"metric\":\"m\",\"value\":1,\"timestamp\":1700000000,\"tags\":{\"\":\"x\",\"h\":\"1\"}},"
                + "{\"tags\":{\"\":\"m\",\"h\":\"1\"},\"metric\":\"x\",\"value\":1,\"timestamp\":1700000000}]");
        assertChargedAtLeast(2, 2, count(WriteFormat.OPENTSDB_HTTP, null, Map.of(), body));
    }

    /**
     * OpenTSDB adds the metric name first and the tags after it whatever the member order (opentsdbhttp
     * insertRows), so a tag named __name__ renames the series: these objects store b and a.
     */
    @Test
    void openTsdbNameTagRenamesTheSeriesWhateverTheMemberOrder() {
        byte[] body = latin1("[{\"metric\":\"a\",\"value\":1,\"timestamp\":1700000000,\"tags\":{\"__name__\":\"b\",\"h\":\"1\"}},"
                + "{\"tags\":{\"__name__\":\"a\",\"h\":\"1\"},\"metric\":\"b\",\"value\":1,\"timestamp\":1700000000}]");
        assertChargedAtLeast(2, 2, count(WriteFormat.OPENTSDB_HTTP, null, Map.of(), body));
    }

    /**
     * CSV labels are added in column order, whatever the order of the format's entries, and of a repeated label name
     * the last wins (csvimport parseRows, MetricName.sortTags): these two writes store a=y and a=x, two series, so
     * their series hashes must differ or active_series undercounts across writes.
     */
    @Test
    void csvRepeatedLabelNameFollowsColumnOrderNotFormatOrder() throws MalformedBodyException {
        WriteCount first = counter.count(WriteFormat.CSV, null, Map.of("format", "1:metric:m,2:label:a,3:label:a"), CASE,
                latin1("1,x,y\n"));
        WriteCount second = counter.count(WriteFormat.CSV, null, Map.of("format", "1:metric:m,3:label:a,2:label:a"), CASE,
                latin1("1,y,x\n"));
        assertTrue(first.seriesHashes()[0] != second.seriesHashes()[0], "stored as two series, counted as one");
    }

    /**
     * VictoriaMetrics 1.79 keeps the first 30 labels of a series (-maxLabelsPerTimeseries, MarshalMetricNameRaw) and
     * adds the extra labels last, so a confined write with 29 own labels stored {team="ops"} without the token's
     * team="dev": a write whose series would pass that many labels is refused. Found by WriteParityIT's confinement
     * check (every stored series must carry its case label).
     */
    @Test
    void confinedSeriesWithMoreLabelsThanVictoriaMetricsKeepsIsRefused() throws MalformedBodyException {
        ExtraLabels team = ExtraLabels.of(List.of(new Label("team", "dev")));
        StringBuilder labels = new StringBuilder("team=\"ops\"");
        for (int i = 0; i < 28; i++) {
            labels.append(",l").append(i).append("=\"v\"");
        }
        byte[] thirty = latin1("m{" + labels + "} 1\n"); // name + 29 labels + team="dev" = 31
        MalformedBodyException e = org.junit.jupiter.api.Assertions.assertThrows(MalformedBodyException.class,
                () -> counter.count(WriteFormat.PROMETHEUS_TEXT, null, Map.of(), team, thirty));
        org.junit.jupiter.api.Assertions.assertEquals("write_too_many_labels", e.reason());
        byte[] fits = latin1("m{" + labels.substring(0, labels.lastIndexOf(",")) + "} 1\n"); // 30
        org.junit.jupiter.api.Assertions.assertEquals(1, counter.count(WriteFormat.PROMETHEUS_TEXT, null, Map.of(), team,
                fits).series());
        org.junit.jupiter.api.Assertions.assertEquals(1, counter.count(WriteFormat.PROMETHEUS_TEXT, null, Map.of(),
                ExtraLabels.NONE, thirty).series(), "a write no extra label confines is not refused for it");
    }

    /** VictoriaMetrics stores a quoted string field (parseFieldValue: fastfloat.ParseBestEffort, 0 when no number). */
    @Test
    void influxStringFieldIsARow() {
        byte[] body = latin1("cpu,a=b f=t\ncpu f=\"str\" 1700000609000000000\n");
        assertChargedAtLeast(2, 2, count(WriteFormat.INFLUX, null, Map.of("db", "y"), body));
    }

    /** A leading tab belongs to the measurement (1.79.5 splits at the first space only): "\tm_f" is its own series. */
    @Test
    void influxLeadingTabIsPartOfTheMeasurement() {
        byte[] body = latin1("m,a=c f=1\n\tm,a=c f=2 1700000827000000000\n\t#m f=3\n");
        assertChargedAtLeast(3, 3, count(WriteFormat.INFLUX, null, Map.of(), body));
    }

    /**
     * fastjson's Object.Get unescapes keys, so "\\u0076alues" is a second "values" and the first wins: the second
     * line stores one row.
     */
    @Test
    void jsonLineEscapedRepeatOfValuesKeyDoesNotHideTheFirst() {
        byte[] body = latin1("{\"metric\":{\"__name__\":\"m\",\"a\":\"c1\"},\"values\":[2.5],\"timestamps\":[1700000000604]}\n"
                + "{\"metric\":{\"__name__\":\"m\",\"b\":\"c1\"},\"values\":[0],\"timestamps\":[1700000000227],"
                + "\"\\u0076alues\":[]}\n");
        assertChargedAtLeast(2, 2, count(WriteFormat.VM_JSON_LINE, null, Map.of(), body));
    }

    private static byte[] label(String name, String value) {
        return field(1, concat(field(1, latin1(name)), field(2, latin1(value))));
    }

    private static byte[] sample() {
        byte[] s = new byte[10 + 7];
        s[0] = 0x09; // value, fixed64: 1.0
        long bits = Double.doubleToLongBits(1.0);
        for (int i = 0; i < 8; i++) {
            s[1 + i] = (byte) (bits >>> (8 * i));
        }
        s[9] = 0x10; // timestamp, varint 1700000000000
        long ts = 1_700_000_000_000L;
        int k = 10;
        while (ts >= 0x80) {
            s[k++] = (byte) (ts | 0x80);
            ts >>>= 7;
        }
        s[k++] = (byte) ts;
        return field(2, java.util.Arrays.copyOf(s, k));
    }

    /** A length-delimited protobuf field (lengths here stay below 128). */
    private static byte[] field(int number, byte[] payload) {
        return concat(new byte[] {(byte) (number << 3 | 2), (byte) payload.length}, payload);
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}

package io.tsgate.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tsgate.request.Label;
import io.tsgate.request.WriteFormat;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Influx line protocol as VictoriaMetrics splits it (lib/protoparser/influx/parser.go at v1.79.5, 3282829e, and at
 * b7ef6cc3). The cases marked "real binary" were sent to victoria-metrics 1.79.5 and exported back.
 */
class InfluxLineCounterTest {
    private final WriteBodyCounter counter = new WriteBodyCounter(8 << 20, 32 << 20);

    private WriteCount influx(byte[] body, Label... extra) throws MalformedBodyException {
        return counter.count(WriteFormat.INFLUX, null, Map.of(), ExtraLabels.of(List.of(extra)), body);
    }

    private WriteCount influx(String body, Label... extra) throws MalformedBodyException {
        return influx(body.getBytes(StandardCharsets.UTF_8), extra);
    }

    private WriteCount json(String metric) throws MalformedBodyException {
        return counter.count(WriteFormat.VM_JSON_LINE, null, Map.of(), ExtraLabels.NONE,
                ("{\"metric\":" + metric + ",\"values\":[1]}").getBytes(StandardCharsets.UTF_8));
    }

    /** Real binary: " #ia=1" stores the metric "#ia"; only a '#' in the very first byte makes a comment. */
    @Test
    void aHashAfterLeadingSpacesIsAFieldNotAComment() throws Exception {
        WriteCount c = influx(" #ia=1\n  #ib=2,ic=3 1700000000000000000\n#real comment\n");
        assertEquals(3, c.rows());
        assertArrayEquals(json("{\"__name__\":\"#ia\"}").seriesHashes(), influx(" #ia=1\n").seriesHashes());
    }

    /** A tab is no separator: "\t#ib=2" has no space, so VictoriaMetrics rejects the line (real binary). */
    @Test
    void aTabIndentedLineHasNoSeparatorAndIsRefused() {
        assertThrows(MalformedBodyException.class, () -> influx("\t#ib=2\n"));
    }

    /** Real binary: "t=\a" is stored as backslash + a, apart from "t=a"; "\ ", "\,", "\=", "\\" lose the backslash. */
    @Test
    void onlyFourEscapesAreUnescaped() throws Exception {
        WriteCount c = influx("ic,t=\\a v=1\nic,t=a v=1\nic,t=\\\\a v=1\nic,t=\\q v=1\n");
        assertEquals(4, c.rows());
        assertEquals(3, c.series(), "\\a and \\\\a are both backslash + a; a and \\q are two more");
        assertArrayEquals(json("{\"__name__\":\"m x_f,=\",\"t\":\"a,b c=d\\\\\",\"u\":\"\\\\z\"}").seriesHashes(),
                influx("m\\ x,t=a\\,b\\ c\\=d\\\\,u=\\z f\\,\\==1\n").seriesHashes());
    }

    @Test
    void invalidUtf8IsKeptAsBytes() throws Exception {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (int b = 0x80; b <= 0xff; b++) {
            body.writeBytes("m,t=".getBytes(StandardCharsets.US_ASCII));
            body.write(b);
            body.writeBytes(" f=1\n".getBytes(StandardCharsets.US_ASCII));
        }
        assertEquals(128, influx(body.toByteArray()).series());
    }

    /** Real binary: `id s="abc"` stores id_s = 0. String fields are rows. */
    @Test
    void stringFieldsAreStoredAndCounted() throws Exception {
        WriteCount c = influx("id s=\"abc\",n=\"1, 2\",x=1\n");
        assertEquals(3, c.rows());
        assertEquals(3, c.series());
    }

    /**
     * Real binary: tags end at the first unescaped space whatever the quotes, and a field's key ends at its first
     * unescaped '=' whatever the quotes: `qm,t="a b" f=1` stores the metric `qm_b" f` with the tag t=`"a`.
     */
    @Test
    void quotesHideSpacesOnlyInTheFields() throws Exception {
        assertArrayEquals(json("{\"__name__\":\"qm_b\\\" f\",\"t\":\"\\\"a\"}").seriesHashes(),
                influx("qm,t=\"a b\" f=1\n").seriesHashes());
        assertEquals(2, influx("m s=\"a b,c=d\",x=1 1700000000\n").rows());
    }

    @Test
    void emptyTagsAreDroppedAndTheDbArgumentIsALabelUnlessATagNamesIt() throws Exception {
        WriteCount withDb = counter.count(WriteFormat.INFLUX, null, Map.of("db", "tg"), ExtraLabels.NONE,
                "m,db=,e=,=x f=1\nm f=2\nm,db=own f=3\n".getBytes(StandardCharsets.UTF_8));
        assertEquals(3, withDb.rows());
        assertEquals(2, withDb.series(), "an empty db tag is dropped, so db=tg applies: m_f{db=tg} twice, m_f{db=own}");
    }

    /** The field's metric name is set after the extra labels (app/vminsert/influx/request_handler.go). */
    @Test
    void anExtraLabelNamedNameDoesNotRenameInfluxSamples() throws Exception {
        WriteCount c = influx("m a=1,b=2\n", new Label("__name__", "x"), new Label("team", "t"));
        assertEquals(2, c.series());
        assertArrayEquals(json("{\"__name__\":\"m_a\",\"team\":\"t\"}").seriesHashes(),
                influx("m a=1\n", new Label("__name__", "x"), new Label("team", "t")).seriesHashes());
    }

    @ParameterizedTest
    @ValueSource(strings = {"m", "m,t f=1", "m f", "m =1", "m f=", "m f=1.5i", "m f=99999999999999999999i", "m f=\"x", "m f=1 x",
            "m f=1 1.5"})
    void linesVictoriaMetricsRejectsRefuseTheBody(String line) {
        assertThrows(MalformedBodyException.class, () -> influx(line + "\n"), line);
    }

    @Test
    void trailingSpacesAfterTheFieldsAreAcceptedAndValuesAreBestEffort() throws Exception {
        // Real binary: "1i5" does not end in i, so it is parsed best effort (as 0) and stored.
        assertEquals(1, influx("m f=1i5\n").rows());
        // Current releases read a missing timestamp after the space (1.79.5 rejects the line): counted.
        assertEquals(1, influx("m f=1 \n").rows());
        assertEquals(1, influx("m   f=1   1700000000\r\n").rows());
    }

    private long[] sorted(long[] hashes) {
        long[] h = hashes.clone();
        java.util.Arrays.sort(h);
        return h;
    }

    private long[] jsonHashes(String... metrics) throws MalformedBodyException {
        long[] h = new long[metrics.length];
        for (int i = 0; i < metrics.length; i++) {
            h[i] = json(metrics[i]).seriesHashes()[0];
        }
        return sorted(h);
    }

    private WriteCount influxDb(String db, String body) throws MalformedBodyException {
        return counter.count(WriteFormat.INFLUX, null, Map.of("db", db), ExtraLabels.NONE, body.getBytes(StandardCharsets.UTF_8));
    }

    /** Each field is a series of its own, named after it, with every tag of the line: many of both. */
    @Test
    void manyTagsAndFieldsGiveOneSeriesPerFieldWithAllTags() throws Exception {
        StringBuilder line = new StringBuilder("m");
        StringBuilder tags = new StringBuilder();
        for (int t = 0; t < 20; t++) {
            line.append(",t").append(t).append("=v").append(t);
            tags.append(",\"t").append(t).append("\":\"v").append(t).append('"');
        }
        line.append(' ');
        String[] metrics = new String[20];
        for (int f = 0; f < 20; f++) {
            line.append(f == 0 ? "" : ",").append("f").append(f).append('=').append(f);
            metrics[f] = "{\"__name__\":\"m_f" + f + "\"" + tags + "}";
        }
        WriteCount c = influx(line + "\n");
        assertEquals(20, c.rows());
        assertArrayEquals(jsonHashes(metrics), sorted(c.seriesHashes()));
    }

    @Test
    void eachFieldIsNamedOnItsOwn() throws Exception {
        assertArrayEquals(jsonHashes("{\"__name__\":\"m_f\"}", "{\"__name__\":\"m_g\"}", "{\"__name__\":\"m_h\"}"),
                sorted(influx("m f=1,g=2,h=3").seriesHashes()));
    }

    /** A body whose very first byte ends the (empty) measurement: the tags still count, the field alone names it. */
    @Test
    void aBodyStartingWithACommaHasAnEmptyMeasurement() throws Exception {
        assertArrayEquals(jsonHashes("{\"__name__\":\"f\",\"t\":\"1\"}"), influx(",t=1 f=1\n").seriesHashes());
    }

    @Test
    void aDbTagAnywhereAmongTheTagsKeepsTheDbArgumentOut() throws Exception {
        assertArrayEquals(jsonHashes("{\"__name__\":\"m_f\",\"a\":\"1\",\"db\":\"x\"}"),
                influxDb("other", "m,a=1,db=x f=1").seriesHashes());
        assertArrayEquals(jsonHashes("{\"__name__\":\"m_f\",\"a\":\"1\",\"z\":\"2\",\"db\":\"other\"}"),
                influxDb("other", "m,a=1,z=2 f=1").seriesHashes());
        assertArrayEquals(jsonHashes("{\"__name__\":\"m_f\",\"a\":\"1\"}"), influxDb("", "m,a=1 f=1").seriesHashes());
        // the second line has no tags: the first line's db tag must not be looked at again
        assertArrayEquals(jsonHashes("{\"__name__\":\"m_f\",\"db\":\"x\"}", "{\"__name__\":\"m_d\",\"db\":\"tg\"}"),
                sorted(influxDb("tg", "m,db=x f=1\nm d=1\n").seriesHashes()));
    }

    /** Bodies that end without a newline are read up to their last byte and not past it. */
    @Test
    void theLastLineEndsAtTheLastByte() throws Exception {
        assertEquals(1, influx("m f=1 ").rows(), "1.79.5 wants a timestamp after the space; current releases allow none");
        assertEquals(1, influx("m f=1 1700000000").rows());
        assertEquals(1, influx("m  f=1").rows(), "spaces before the fields");
        assertThrows(MalformedBodyException.class, () -> influx("m  "));
        assertThrows(MalformedBodyException.class, () -> influx("nospace"));
        assertThrows(MalformedBodyException.class, () -> influx("m f=1 17x"));
        assertThrows(MalformedBodyException.class, () -> influx("m f=1 \\"));
    }

    @Test
    void quotedFieldValuesNeedBothQuotes() throws Exception {
        assertEquals(1, influx("m f=\"\"").rows(), "an empty string field");
        assertEquals(2, influx("m f=\"a b,c\",g=1").rows(), "space and comma inside quotes belong to the string");
        MalformedBodyException lone = assertThrows(MalformedBodyException.class, () -> influx("m f=\""));
        assertTrue(lone.getMessage().contains("unterminated string field"), lone.getMessage());
        MalformedBodyException open = assertThrows(MalformedBodyException.class, () -> influx("m f=\"ab"));
        assertTrue(open.getMessage().contains("unterminated string field"), open.getMessage());
        MalformedBodyException empty = assertThrows(MalformedBodyException.class, () -> influx("m f=,g=\"x\""));
        assertTrue(empty.getMessage().contains("empty field value"), empty.getMessage());
        MalformedBodyException noKey = assertThrows(MalformedBodyException.class, () -> influx("m =1"));
        assertTrue(noKey.getMessage().contains("empty field key"), noKey.getMessage());
        MalformedBodyException line2 = assertThrows(MalformedBodyException.class, () -> influx("m f=1\nm g"));
        assertTrue(line2.getMessage().contains("line 2"), line2.getMessage());
    }
}

package io.tsgate.ingest;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tsgate.request.WriteFormat;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Counting must cost time linear in the body: each adversarial body is counted at 1x, 4x and 16x its base size and
 * the median time at 16x must stay under 64x the median at 1x (a quadratic parser takes 256x). Bodies that are
 * refused count as well: a refusal must be just as cheap. The bound is wide on purpose (this machine is shared);
 * the old backtracking number pattern and insertion sort of labels failed it by orders of magnitude. Time is this
 * thread's CPU time, so other builds on the machine do not count.
 */
class LinearCostTest {
    private static final int BASE = 96 << 10;
    private static final int REPEATS = 7;
    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();
    private final WriteBodyCounter counter = new WriteBodyCounter(64 << 20, 64 << 20);

    record Case(String name, WriteFormat format, Map<String, String> args, IntFunction<byte[]> body) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                text("digits as a value", n -> "m " + repeat("1", n) + "\n"),
                text("digits then a bad byte", n -> "m " + repeat("1", n) + "x\n"),
                text("backslashes in a label value", n -> "m{a=\"" + repeat("\\\\", n / 2) + "\"} 1\n"),
                text("escaped quotes in a label value", n -> "m{a=\"" + repeat("\\\"", n / 2) + "\"} 1\n"),
                text("labels in reverse order on one line", n -> "m{" + labels(n) + "} 1\n"),
                text("blanks between name and value", n -> "m" + repeat(" \t", n / 2) + "1\n"),
                text("many short lines", n -> repeat("m{a=\"1\"} 1\n", n / 11)),
                text("unterminated label value", n -> "m{a=\"" + repeat("x", n) + "\n"),
                influx("many fields after a long measurement", n -> repeat("m", n / 2) + ",t=v " + fields(n / 2) + "\n"),
                influx("backslashes in a tag", n -> "m,t=" + repeat("\\\\", n / 2) + " f=1\n"),
                influx("commas inside a quoted field", n -> "m s=\"" + repeat(",", n) + "\",f=1\n"),
                influx("many quoted fields", n -> "m " + quotedFields(n) + "\n"),
                influx("many spaces before the timestamp", n -> "m f=1" + repeat(" ", n) + "1\n"),
                influx("unclosed quote then many spaces", n -> "m f=\"" + repeat(" ,", n / 2) + "\n"),
                csv("many empty columns", n -> "a,1" + repeat(",", n) + "\n"),
                csv("doubled quotes", n -> "\"" + repeat("\"\"", n / 2) + "\",1\n"),
                csv("digits as a value", n -> "a," + repeat("9", n) + "\n"),
                json("many values", n -> "{\"metric\":{\"__name__\":\"m\"},\"values\":[" + repeat("1,", n / 2) + "1]}\n"),
                json("many tags", n -> "{\"metric\":{" + jsonTags(n) + "},\"values\":[1]}\n"),
                json("escapes in a tag value", n -> "{\"metric\":{\"__name__\":\"m\",\"a\":\"" + repeat("\\\\", n / 2) + "\"},\"values\":[1]}\n"),
                json("deep nesting in a tag", n -> "{\"metric\":{\"a\":" + repeat("[", n / 2) + "}}\n"),
                new Case("OpenTSDB many points", WriteFormat.OPENTSDB_HTTP, Map.of(),
                        n -> utf8("[" + repeat("{\"metric\":\"m\",\"value\":1},", n / 27) + "{\"metric\":\"m\",\"value\":1}]")))
                .map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void countingCostGrowsLinearly(Case c) {
        assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            byte[] small = c.body().apply(BASE);
            byte[] large = c.body().apply(BASE * 16);
            time(c, large); // warm up at the largest size
            time(c, c.body().apply(BASE * 4));
            long t1 = median(c, small);
            long t16 = median(c, large);
            assertTrue(t16 < 64 * Math.max(t1, 1_000_000), c + ": " + small.length + " bytes took " + t1 / 1000 + " µs, "
                    + large.length + " bytes took " + t16 / 1000 + " µs");
        });
    }

    private long median(Case c, byte[] body) {
        long[] t = new long[REPEATS];
        for (int i = 0; i < REPEATS; i++) {
            t[i] = time(c, body);
        }
        Arrays.sort(t);
        return t[REPEATS / 2];
    }

    /** CPU time of this thread, not wall time: the machine is shared, and waiting for a core is not work. */
    private long time(Case c, byte[] body) {
        long start = CPU.getCurrentThreadCpuTime();
        try {
            counter.count(c.format(), null, c.args(), ExtraLabels.NONE, body);
        } catch (MalformedBodyException e) {
            // refused: the time to refuse is what counts
        }
        return CPU.getCurrentThreadCpuTime() - start;
    }

    private static Case text(String name, IntFunction<String> body) {
        return new Case("text: " + name, WriteFormat.PROMETHEUS_TEXT, Map.of(), n -> utf8(body.apply(n)));
    }

    private static Case influx(String name, IntFunction<String> body) {
        return new Case("influx: " + name, WriteFormat.INFLUX, Map.of("db", "d"), n -> utf8(body.apply(n)));
    }

    private static Case csv(String name, IntFunction<String> body) {
        return new Case("csv: " + name, WriteFormat.CSV, Map.of("format", "1:label:l,2:metric:m"), n -> utf8(body.apply(n)));
    }

    private static Case json(String name, IntFunction<String> body) {
        return new Case("json: " + name, WriteFormat.VM_JSON_LINE, Map.of(), n -> utf8(body.apply(n)));
    }

    /** {@code s} repeated to about {@code bytes} bytes. */
    private static String repeat(String s, int bytes) {
        return s.repeat(Math.max(1, bytes / s.length()));
    }

    /** Labels z…, y…, … a…: the worst order for an insertion sort. */
    private static String labels(int bytes) {
        int count = bytes / 12;
        StringBuilder b = new StringBuilder();
        for (int i = count; i > 0; i--) {
            b.append(String.format("l%07d=\"\",", i));
        }
        return b.toString();
    }

    private static String fields(int bytes) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; b.length() < bytes; i++) {
            b.append('f').append(i).append("=1,");
        }
        b.append("z=1");
        return b.toString();
    }

    private static String quotedFields(int bytes) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; b.length() < bytes; i++) {
            b.append('f').append(i).append("=\"x y\",");
        }
        b.append("z=1");
        return b.toString();
    }

    private static String jsonTags(int bytes) {
        StringBuilder b = new StringBuilder("\"__name__\":\"m\"");
        for (int i = 0; b.length() < bytes; i++) {
            b.append(",\"t").append(i).append("\":\"v\"");
        }
        return b.toString();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}

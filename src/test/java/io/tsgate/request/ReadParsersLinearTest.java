package io.tsgate.request;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

/**
 * The read-side parsers run on the transport thread, so their work must grow linearly with the input. Each adversarial
 * input is parsed at two sizes, 16 times apart; the median CPU time of repeated runs may grow by at most 64 times (linear
 * is 16, quadratic 256). The bound is wide on purpose: it separates linear from quadratic, not fast from slow.
 */
class ReadParsersLinearTest {
    private static final int SMALL = 8_000;
    private static final int FACTOR = 16;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    @Test
    void contentTypeParsingIsLinear() {
        assertLinear("many parameters", n -> "text/plain" + "; p=\"v\"".repeat(n / 7), ReadParsersLinearTest::parseContentType);
        assertLinear("white space runs", n -> "text/plain" + " ".repeat(n) + ";" + " ".repeat(n), ReadParsersLinearTest::parseContentType);
        assertLinear("long token", n -> "text/" + "x".repeat(n), ReadParsersLinearTest::parseContentType);
        assertLinear("distinct names", n -> {
            StringBuilder sb = new StringBuilder("text/plain");
            for (int i = 0; sb.length() < n; i++) {
                sb.append(";p").append(i).append("=v");
            }
            return sb.toString();
        }, ReadParsersLinearTest::parseContentType);
    }

    @Test
    void queryAndFormParsingIsLinear() {
        assertLinear("escaped pairs", n -> "a=%41%42".repeat(n / 8), ReadParsersLinearTest::parseQuery);
        assertLinear("one long escaped value", n -> "a=" + "%41".repeat(n / 3), ReadParsersLinearTest::parseQuery);
        assertLinear("empty pairs", n -> "&".repeat(n), ReadParsersLinearTest::parseQuery);
        assertLinear("pluses", n -> "q=" + "+".repeat(n), ReadParsersLinearTest::parseQuery);
        assertLinear("form body", n -> "a=%E2%82%AC&".repeat(n / 12), s -> {
            try {
                QueryStrings.parseForm(s.getBytes(StandardCharsets.US_ASCII));
            } catch (BadRequestException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private static void parseContentType(String s) {
        try {
            ContentType.parse(s);
        } catch (BadRequestException e) {
            // refusing is fine; only the work counts
        }
    }

    private static void parseQuery(String s) {
        try {
            QueryStrings.parse(s);
        } catch (BadRequestException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void assertLinear(String what, IntFunction<String> input, Consumer<String> parse) {
        String small = input.apply(SMALL);
        String large = input.apply(SMALL * FACTOR);
        for (int i = 0; i < 20; i++) {
            // Warm both sizes so the JIT has compiled the parser before anything is timed.
            parse.accept(large);
            for (int j = 0; j < FACTOR; j++) {
                parse.accept(small);
            }
        }
        long[] tSmall = new long[9];
        long[] tLarge = new long[9];
        for (int i = 0; i < tSmall.length; i++) {
            tSmall[i] = cpuNanos(small, parse);
            tLarge[i] = cpuNanos(large, parse);
        }
        Arrays.sort(tSmall);
        Arrays.sort(tLarge);
        long small50 = Math.max(tSmall[tSmall.length / 2], 1);
        long large50 = tLarge[tLarge.length / 2];
        double ratio = (double) large50 / small50;
        assertTrue(ratio < FACTOR * 4, what + ": " + FACTOR + "x the input took " + ratio + "x the CPU time ("
                + small50 + " ns -> " + large50 + " ns)");
    }

    /** CPU time of this thread (not wall time, which other processes on a shared machine distort). */
    private static long cpuNanos(String input, Consumer<String> parse) {
        long start = THREADS.getCurrentThreadCpuTime();
        for (int i = 0; i < 4; i++) {
            parse.accept(input);
        }
        return THREADS.getCurrentThreadCpuTime() - start;
    }
}

package io.tsgate.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every counter reads its body in {@code [0, length)} and nothing past it: each prefix of a valid body, cut at every
 * byte, is counted the same (rows, series, or the same refusal) whether its array ends where the body ends or goes on
 * with bytes that would change the reading, and never fails with anything but a malformed-body refusal.
 */
class BodyEndsTest {
    /** Bytes after the end that would continue a line, a label, a quote, a number or a JSON value if read. */
    private static final byte[] AFTER = "9\",}]=x\\ 1 e5\n".getBytes(StandardCharsets.US_ASCII);

    private record Case(String name, FormatCounter counter, Map<String, String> args, byte[] body) {
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static List<Case> cases() {
        byte[] remoteWrite = Fixtures.unsnappy(Fixtures.vmagentRemoteWrite().get(0));
        return List.of(
                new Case("prometheus", new PrometheusTextCounter(), Map.of(), utf8(
                        "# HELP m help\nm{a=\"1\",b=\"x\\\"y\\\\z\\n\\q\"} 1.5 1700000000000\n  n\t2\nm{ } 3\r\nk{c = \"d\" , } -Inf\n")),
                new Case("influx", new InfluxLineCounter(), Map.of("db", "tg"), utf8(
                        "m,t=1,db=own f=1,g=\"x y\" 1700000000000000000\n#c\n,t=2 h=3i\r\nm\\ n,u=\\,v s=\"q\\\"\",z=7u\n")),
                new Case("csv", new CsvCounter(), Map.of("format", "1:metric:a,2:label:b,3:time:unix_s"), utf8(
                        "1,x,1700000000\n2,\"q,w\",1700000001\r\n3,\"a\"\"b\",\n")),
                new Case("jsonline", new JsonLineCounter(), Map.of(), utf8(
                        "{\"metric\":{\"__name__\":\"m\",\"a\":\"\\u00e9\\\"\"},\"values\":[1,2.5e3],\"timestamps\":[1,2]}\n"
                                + "{\"metric\":{\"__name__\":\"n\"},\"values\":[null,-1],\"timestamps\":[3,4]}\n")),
                new Case("opentsdb", new OpenTsdbCounter(), Map.of(), utf8(
                        "[{\"metric\":\"sys.cpu\",\"timestamp\":1700000000,\"value\":1.5,\"tags\":{\"host\":\"a\"}},"
                                + "{\"metric\":\"sys.mem\",\"value\":3,\"tags\":{\"host\":\"b\",\"dc\":\"x\"}}]")),
                new Case("remotewrite", new RemoteWriteCounter(), Map.of(), remoteWrite));
    }

    /** Rows and sorted series hashes, or the refusal's reason and message. */
    private static String count(Case c, byte[] array, int length) {
        Tally tally = new Tally();
        tally.reset(ExtraLabels.NONE, length);
        try {
            c.counter().count(array, length, c.args(), tally);
        } catch (MalformedBodyException e) {
            return "refused " + e.reason() + ": " + e.getMessage();
        } finally {
            tally.key.release();
        }
        long[] h = tally.seriesHashes();
        Arrays.sort(h);
        return tally.rows() + " rows " + Arrays.toString(h);
    }

    @Test
    void everyPrefixIsCountedFromItsOwnBytes() {
        for (Case c : cases()) {
            int counted = 0;
            // every cut in the first 700 bytes (the remote-write fixture is larger), and the whole body
            for (int k = 0; k <= c.body().length; k = k < 700 ? k + 1 : Math.max(k + 1, c.body().length)) {
                byte[] exact = Arrays.copyOf(c.body(), k);
                byte[] longer = Arrays.copyOf(c.body(), k + AFTER.length);
                System.arraycopy(AFTER, 0, longer, k, AFTER.length);
                String alone = count(c, exact, k);
                assertEquals(alone, count(c, longer, k), c.name() + " cut at " + k);
                counted += alone.startsWith("refused") ? 0 : 1;
            }
            assertTrue(counted >= 1, c.name() + ": some prefix is a whole body");
            assertTrue(count(c, c.body(), c.body().length).contains(" rows "), c.name() + " is valid whole");
        }
    }
}

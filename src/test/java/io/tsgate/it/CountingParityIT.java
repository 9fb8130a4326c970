package io.tsgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tsgate.ingest.ExtraLabels;
import io.tsgate.ingest.MalformedBodyException;
import io.tsgate.ingest.WriteBodyCounter;
import io.tsgate.ingest.WriteCount;
import io.tsgate.request.Label;
import io.tsgate.request.WriteFormat;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The spellings that made tsgate count one series where VictoriaMetrics stores many, sent straight to the real
 * victoria-metrics (1.79.5) under a fresh {@code extra_label=team=…}: after a forced flush the export shows what it
 * stored, and tsgate's count of the same body (same extra label) must be at least that, in rows and in distinct
 * series — or tsgate must refuse the body. Each case is built so that VictoriaMetrics stores {@code stored} series.
 */
@ExtendWith(ExternalServers.class)
class CountingParityIT {
    private static final AtomicInteger TEAMS = new AtomicInteger();
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private final WriteBodyCounter counter = new WriteBodyCounter(8 << 20, 32 << 20);

    /**
     * @param stored    series VictoriaMetrics stores (checked: the test waits for them)
     * @param refused   whether tsgate must refuse (else it must count)
     */
    record Case(String name, WriteFormat format, String path, IntFunction<byte[]> body, int stored, boolean refused) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                new Case("text: unknown escapes kept literally", WriteFormat.PROMETHEUS_TEXT, "/api/v1/import/prometheus",
                        i -> lines(25, k -> "it_esc{v=\"\\" + letter(k) + "\"} 1\nit_esc{v=\"" + letter(k) + "\"} 1\n"), 50, false),
                new Case("text: invalid UTF-8 values", WriteFormat.PROMETHEUS_TEXT, "/api/v1/import/prometheus",
                        i -> bytes(64, k -> concat("it_utf{v=\"x", new byte[] {(byte) (0x80 + k)}, "\"} 1\n")), 64, false),
                new Case("text: 1.79.5 takes `m 1 {a=..} 2` as the series `m 1`", WriteFormat.PROMETHEUS_TEXT,
                        "/api/v1/import/prometheus", i -> lines(20, k -> "it_brace 1 {a=\"" + k + "\"} 2\n"), 20, true),
                new Case("influx: a line starting with a space then '#'", WriteFormat.INFLUX, "/influx/write",
                        i -> lines(20, k -> " #it_hash" + k + "=1\n"), 20, false),
                new Case("influx: unknown escapes kept literally", WriteFormat.INFLUX, "/influx/write",
                        i -> lines(25, k -> "it_iesc,v=\\" + letter(k) + " f=1\nit_iesc,v=" + letter(k) + " f=1\n"), 50, false),
                new Case("influx: invalid UTF-8 tag values", WriteFormat.INFLUX, "/influx/write",
                        i -> bytes(64, k -> concat("it_iutf,v=x", new byte[] {(byte) (0x80 + k)}, " f=1\n")), 64, false),
                new Case("influx: string fields are stored", WriteFormat.INFLUX, "/influx/write",
                        i -> lines(20, k -> "it_str s" + k + "=\"text\"\n"), 20, false),
                new Case("csv: invalid UTF-8 label values", WriteFormat.CSV,
                        "/api/v1/import/csv?format=" + URLEncoder.encode("1:label:v,2:metric:it_cutf", StandardCharsets.UTF_8),
                        i -> bytes(64, k -> concat("x", new byte[] {(byte) (0x80 + k)}, ",1\n")), 64, false),
                new Case("json: the first of two values arrays", WriteFormat.VM_JSON_LINE, "/api/v1/import",
                        i -> lines(5, k -> "{\"metric\":{\"__name__\":\"it_dup\",\"k\":\"" + k + "\"},\"values\":[1,2,3,4,5,6,7,8],"
                                + "\"timestamps\":[1700000000001,1700000000002,1700000000003,1700000000004,1700000000005,"
                                + "1700000000006,1700000000007,1700000000008],\"values\":[1],\"timestamps\":[1700000000000]}\n"), 5, true),
                new Case("json: lone surrogate escapes stored as written", WriteFormat.VM_JSON_LINE, "/api/v1/import",
                        i -> lines(20, k -> "{\"metric\":{\"__name__\":\"it_sur\",\"k\":\"\\ud8" + String.format("%02x", k)
                                + "\"},\"values\":[1],\"timestamps\":[1700000000000]}\n"), 20, true))
                .map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void tsgateCountsAtLeastWhatVictoriaMetricsStoresOrRefuses(Case c, VictoriaMetricsServer vm) throws Exception {
        String team = "parity-" + TEAMS.incrementAndGet() + "-" + System.nanoTime();
        byte[] body = c.body().apply(0);
        String sep = c.path().contains("?") ? "&" : "?";
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(vm.baseUri() + c.path() + sep
                        + "extra_label=" + URLEncoder.encode("team=" + team, StandardCharsets.UTF_8)))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).timeout(Duration.ofSeconds(15)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(204, r.statusCode(), r.body());
        vm.flush();
        String match = URLEncoder.encode("{team=\"" + team + "\"}", StandardCharsets.UTF_8);
        List<byte[]> exported = Await.until(c.stored() + " series stored", Duration.ofSeconds(15),
                () -> exportLines(vm, match), lines -> lines.size() >= c.stored());
        long storedRows = 0;
        for (byte[] line : exported) {
            storedRows += JSON.readTree(new String(line, StandardCharsets.ISO_8859_1)).get("values").size();
        }

        Map<String, String> args = c.format() == WriteFormat.CSV ? Map.of("format", "1:label:v,2:metric:it_cutf") : Map.of();
        WriteCount count;
        try {
            count = counter.count(c.format(), null, args, ExtraLabels.of(List.of(new Label("team", team))), body);
        } catch (MalformedBodyException e) {
            assertTrue(c.refused(), c + ": refused although it should be counted: " + e.getMessage());
            return;
        }
        if (c.refused()) {
            fail(c + ": counted " + count.rows() + " rows, " + count.series() + " series; must be refused (VictoriaMetrics "
                    + "stored " + storedRows + " rows in " + exported.size() + " series)");
        }
        assertTrue(count.rows() >= storedRows, c + ": tsgate " + count.rows() + " rows < stored " + storedRows);
        assertTrue(count.series() >= exported.size(), c + ": tsgate " + count.series() + " series < stored " + exported.size());
    }

    /** Export lines as bytes: label values may hold invalid UTF-8, which a JSON reader would reject or replace. */
    private List<byte[]> exportLines(VictoriaMetricsServer vm, String match) {
        try {
            byte[] b = http.send(HttpRequest.newBuilder(URI.create(vm.baseUri() + "/api/v1/export?match[]=" + match))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofByteArray()).body();
            List<byte[]> lines = new ArrayList<>();
            int start = 0;
            for (int i = 0; i <= b.length; i++) {
                if (i == b.length || b[i] == '\n') {
                    if (i > start) {
                        lines.add(java.util.Arrays.copyOfRange(b, start, i));
                    }
                    start = i + 1;
                }
            }
            return lines;
        } catch (java.io.IOException e) {
            return List.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        }
    }

    /** Letters that are no Prometheus escape (not 'n'), nor an Influx one. */
    private static char letter(int k) {
        char c = (char) ('a' + k);
        return c >= 'n' ? (char) (c + 1) : c;
    }

    private static byte[] lines(int n, IntFunction<String> line) {
        StringBuilder b = new StringBuilder();
        for (int k = 0; k < n; k++) {
            b.append(line.apply(k));
        }
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] bytes(int n, IntFunction<byte[]> line) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int k = 0; k < n; k++) {
            out.writeBytes(line.apply(k));
        }
        return out.toByteArray();
    }

    private static byte[] concat(String a, byte[] b, String c) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(a.getBytes(StandardCharsets.UTF_8));
        out.writeBytes(b);
        out.writeBytes(c.getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }
}

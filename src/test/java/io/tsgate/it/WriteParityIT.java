package io.tsgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tsgate.envoy.ExtProcService;
import io.tsgate.ingest.CanonicalSeries;
import io.tsgate.ingest.WriteBodyCounter;
import io.tsgate.log.LogSettings;
import io.tsgate.parity.ExportedSeries;
import io.tsgate.parity.RecordingLimiter;
import io.tsgate.parity.WriteCase;
import io.tsgate.parity.WriteCases;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Differential test of write accounting against the real VictoriaMetrics: generated writes (every countable format,
 * risky spellings, every Content-Encoding spelling; see {@code io.tsgate.parity}) go through tsgate's ext_proc
 * service exactly as Envoy hands them over, with a limiter that counts every tenant. Each write tsgate lets through
 * is then sent, same bytes and headers, to VictoriaMetrics with {@code extra_label=tsgate_case=<case>} — the way
 * tsgate confines a token's writes — so each case's stored rows are separable. After a batch, a flush and one
 * export give what was stored per case.
 *
 * <p>Oracle: a write tsgate allowed must have been charged at least the rows and distinct series VictoriaMetrics
 * stored from it; charging more is fine, refusing is fine. Each stored series should also be one tsgate counted
 * (same canonical hash): a difference there is reported, and fails the run with
 * {@code -Dtsgate.parity.strictIdentity=true}.
 *
 * <p>Bounded by default (fixed seed, {@value #DEFAULT_CASES} cases). Longer or other runs:
 * {@code -Dtsgate.parity.cases=N}, {@code -Dtsgate.parity.seed=S} (or {@code random}); one case alone, verbosely:
 * {@code -Dtsgate.parity.case=N}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WriteParityIT {
    static final long DEFAULT_SEED = 0x7e57_9a7eL;
    static final int DEFAULT_CASES = 20_000;
    private static final int BATCH = 250;
    private static final int SHOWN_FAILURES = 8;
    private static final String REPORT = "target/write-parity-report.txt";

    private ManagedProcess vm;
    private int httpPort;
    private int openTsdbPort;
    private Server extProcServer;
    private ManagedChannel extProcChannel;
    private ExtProcStandIn extProc;
    private final RecordingLimiter limiter = new RecordingLimiter();
    private final List<String> escapes = new ArrayList<>();
    private final Set<String> seenLoose = new HashSet<>();

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        LogSettings.configure("text", "WARN"); // thousands of expected denials would bury the report
        DebianPackages.ensureInstalled(VictoriaMetricsServer.BINARY, VictoriaMetricsServer.PACKAGE);
        httpPort = FreePort.pick();
        openTsdbPort = FreePort.pick();
        // 50 years of retention: nothing before 1970 is kept, so every stored sample is one /api/v1/export can show.
        vm = ManagedProcess.start("victoria-metrics-parity", List.of(VictoriaMetricsServer.BINARY,
                        "-httpListenAddr=127.0.0.1:" + httpPort, "-opentsdbHTTPListenAddr=127.0.0.1:" + openTsdbPort,
                        "-storageDataPath=" + dir.resolve("data"), "-retentionPeriod=50y", "-search.latencyOffset=0s",
                        "-search.disableCache", "-loggerLevel=ERROR"),
                dir.resolve("vm.log"), Duration.ofSeconds(30), () -> get("/health").status() == 200);
        String name = InProcessServerBuilder.generateName();
        extProcServer = InProcessServerBuilder.forName(name).directExecutor()
                .addService(new ExtProcService(new WriteBodyCounter(8 << 20, 32 << 20), limiter, true,
                        new PrometheusRegistry(), Map.of()))
                .build().start();
        extProcChannel = InProcessChannelBuilder.forName(name).directExecutor().build();
        extProc = new ExtProcStandIn(extProcChannel, ExtProcStandIn.Settings.envoyYaml());
    }

    @AfterAll
    void stop() {
        LogSettings.configure("text", "INFO");
        if (extProcChannel != null) {
            extProcChannel.shutdownNow();
        }
        if (extProcServer != null) {
            extProcServer.shutdownNow();
        }
        if (vm != null) {
            vm.close();
        }
    }

    @Test
    void everyAllowedWriteIsChargedAtLeastWhatVictoriaMetricsStores() throws Exception {
        long seed = seed();
        String only = System.getProperty("tsgate.parity.case");
        int cases = Integer.getInteger("tsgate.parity.cases", DEFAULT_CASES);
        int first = Integer.getInteger("tsgate.parity.from", 0);
        int batchSize = Integer.getInteger("tsgate.parity.batch", BATCH);
        boolean strictIdentity = Boolean.getBoolean("tsgate.parity.strictIdentity");
        Stats stats = new Stats();
        List<Mismatch> failures = new ArrayList<>();
        List<Mismatch> identity = new ArrayList<>();
        long started = System.nanoTime();
        if (only != null) {
            int index = Integer.parseInt(only);
            runBatch(0, List.of(WriteCases.generate(seed, index)), stats, failures, identity, true);
        } else {
            for (int from = first; from < cases; from += batchSize) {
                List<WriteCase> batch = new ArrayList<>();
                for (int i = from; i < Math.min(cases, from + batchSize); i++) {
                    batch.add(WriteCases.generate(seed, i));
                }
                runBatch(from / batchSize, batch, stats, failures, identity, false);
            }
        }
        System.out.printf("write parity: seed %d, %d cases in %.1f s%n%s", seed, stats.total(),
                (System.nanoTime() - started) / 1e9, stats);
        writeReport(failures, identity);
        if (!identity.isEmpty()) {
            System.out.println(report("stored series tsgate counted under another identity", seed, identity));
        }
        if (!escapes.isEmpty()) {
            fail("writes tsgate let through stored series without the extra_label that confines them (seed " + seed
                    + "; find the case with -Dtsgate.parity.batch=1 and -Dtsgate.parity.from/-Dtsgate.parity.cases "
                    + "around the batch):\n" + String.join("\n", escapes));
        }
        if (!failures.isEmpty()) {
            fail(report("tsgate charged less than VictoriaMetrics stored", seed, failures));
        }
        if (strictIdentity && !identity.isEmpty()) {
            fail(report("stored series tsgate counted under another identity", seed, identity));
        }
        assertTrue(stats.storedRows() > 0, "no generated write stored anything: the harness tests nothing");
    }

    private static long seed() {
        String s = System.getProperty("tsgate.parity.seed");
        if (s == null || s.isEmpty()) {
            return DEFAULT_SEED;
        }
        return s.equals("random") ? new java.security.SecureRandom().nextLong() : Long.parseLong(s);
    }

    /** Counts each case through tsgate, stores the allowed ones, then compares with one export. */
    private void runBatch(int batch, List<WriteCase> cases, Stats stats, List<Mismatch> failures,
                          List<Mismatch> identity, boolean verbose) throws Exception {
        Map<String, Charged> allowed = new LinkedHashMap<>();
        for (WriteCase c : cases) {
            String caseValue = batch + "_" + c.index();
            Verdict v = tsgate(c, caseValue);
            stats.verdict(c.format(), v);
            if (verbose) {
                System.out.println(c.describe() + "\n  tsgate: " + v);
            }
            if (v.charge() != null) {
                Response r = post(c, c.target(caseValue));
                allowed.put(caseValue, new Charged(c, v.charge(), r));
                if (verbose) {
                    System.out.println("  VictoriaMetrics: " + r.status() + " " + r.text());
                }
            }
        }
        Map<String, List<ExportedSeries>> stored = storedSince(batch);
        checkConfined(cases);
        for (Map.Entry<String, Charged> e : allowed.entrySet()) {
            Charged c = e.getValue();
            List<ExportedSeries> series = stored.getOrDefault(e.getKey(), List.of());
            long rows = series.stream().mapToLong(ExportedSeries::samples).sum();
            Set<String> distinct = new HashSet<>();
            series.forEach(s -> distinct.add(s.identity()));
            stats.stored(c.write().format(), rows);
            if (verbose) {
                System.out.println("  stored: " + series);
            }
            if (c.charge().rows() < rows || c.charge().seriesHashes().length < distinct.size()) {
                failures.add(new Mismatch(c, series, rows, distinct.size()));
            } else if (!counted(c.charge().seriesHashes(), series)) {
                identity.add(new Mismatch(c, series, rows, distinct.size()));
            }
        }
    }

    private static boolean counted(long[] hashes, List<ExportedSeries> series) {
        return uncounted(hashes, series).isEmpty();
    }

    /** The stored series whose canonical hash is not among those tsgate charged. */
    private static List<ExportedSeries> uncounted(long[] hashes, List<ExportedSeries> series) {
        Set<Long> charged = new HashSet<>();
        for (long h : hashes) {
            charged.add(h);
        }
        return series.stream().filter(s -> !charged.contains(CanonicalSeries.hash(s.labels()))).toList();
    }

    /** tsgate's answer through the ext_proc service, as Envoy would get it for a confined token's write. */
    private Verdict tsgate(WriteCase c, String caseValue) {
        HeaderList h = new HeaderList();
        h.add(":method", "POST");
        h.add(":path", c.target(caseValue));
        h.add(":authority", "127.0.0.1");
        for (Map.Entry<String, String> e : c.headers()) {
            h.add(e.getKey(), e.getValue());
        }
        h.add("content-length", Integer.toString(c.body().length));
        limiter.take();
        ExtProcStandIn.Outcome o = extProc.process(h, c.body(), Map.of("envoy.filters.http.ext_authz", Struct.newBuilder()
                .putFields("tenant", Value.newBuilder().setStringValue("0:0").build())
                .putFields("class", Value.newBuilder().setStringValue("write").build())
                .putFields("subject", Value.newBuilder().setStringValue("parity").build()).build()));
        if (o instanceof ExtProcStandIn.LocalReply reply) {
            return new Verdict(null, reply.status() + " " + reply.details());
        }
        RecordingLimiter.Charge charge = limiter.take();
        // A write let through without a charge (an empty body) was charged nothing.
        return new Verdict(charge == null ? new RecordingLimiter.Charge(0, new long[0]) : charge, "allowed");
    }

    /**
     * Every series VictoriaMetrics holds must carry its case's extra label, as every series a confined token writes
     * must carry the token's labels (1.79.5 drops labels past -maxLabelsPerTimeseries, extra labels last). Found by
     * asking, for every label name in the database, for series that have it but no case label ({@code
     * /api/v1/series/count} counts a series once per day it has samples on, so it cannot tell).
     */
    private void checkConfined(List<WriteCase> cases) {
        List<ExportedSeries> loose = unconfined();
        loose.removeIf(s -> !seenLoose.add(s.identity()));
        if (!loose.isEmpty()) {
            escapes.add("cases " + cases.get(0).index() + ".." + cases.get(cases.size() - 1).index() + ": "
                    + loose.size() + " series without " + WriteCase.CASE_LABEL + ", e.g. "
                    + loose.stream().limit(3).toList());
        }
    }

    private List<ExportedSeries> unconfined() {
        String labels = new String(get("/api/v1/labels?start=0").body(), StandardCharsets.UTF_8);
        StringBuilder q = new StringBuilder("/api/v1/export?start=0");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"([A-Za-z_][A-Za-z0-9_]*)\"").matcher(
                labels.substring(labels.indexOf('[')));
        while (m.find()) {
            if (!m.group(1).equals(WriteCase.CASE_LABEL)) {
                q.append("&match[]=").append(URLEncoder.encode("{" + m.group(1) + "=~\".+\","
                        + WriteCase.CASE_LABEL + "=\"\"}", StandardCharsets.UTF_8));
            }
        }
        return new ArrayList<>(ExportedSeries.parse(get(q.toString()).body()));
    }

    /** Everything stored for this batch's cases, once VictoriaMetrics shows a sentinel written after them. */
    private Map<String, List<ExportedSeries>> storedSince(int batch) {
        String sentinel = batch + "_sentinel";
        Response r = post(null, "/api/v1/import/prometheus?extra_label=" + WriteCase.CASE_LABEL + "=" + sentinel,
                List.of(), "parity_sentinel 1\n".getBytes(StandardCharsets.UTF_8), httpPort);
        assertEquals(204, r.status(), r.text());
        assertEquals(200, get("/internal/force_flush").status());
        String match = URLEncoder.encode("{" + WriteCase.CASE_LABEL + "=~\"" + batch + "_.*\"}", StandardCharsets.UTF_8);
        long end = System.currentTimeMillis() / 1000 + 3 * 86400;
        List<ExportedSeries> all = Await.until("batch " + batch + " sentinel exported", Duration.ofSeconds(15),
                () -> ExportedSeries.parse(get("/api/v1/export?match[]=" + match + "&start=0&end=" + end).body()),
                s -> ExportedSeries.byLabel(s, WriteCase.CASE_LABEL).containsKey(sentinel));
        return ExportedSeries.byLabel(all, WriteCase.CASE_LABEL);
    }

    private Response post(WriteCase c, String target) {
        boolean openTsdb = c.format().equals("opentsdb");
        return post(c, target, c.headers(), c.body(), openTsdb ? openTsdbPort : httpPort);
    }

    /** Sends exactly these headers and bytes (repeated headers kept), as Envoy forwards an allowed write. */
    private static Response post(WriteCase c, String target, List<Map.Entry<String, String>> headers, byte[] body,
                                 int port) {
        StringBuilder head = new StringBuilder("POST ").append(target).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                .append("Content-Length: ").append(body.length).append("\r\nConnection: close\r\n");
        for (Map.Entry<String, String> h : headers) {
            head.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n");
        }
        head.append("\r\n");
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(15_000);
            try {
                OutputStream out = s.getOutputStream();
                out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
                out.write(body);
                out.flush();
                return Response.parse(s.getInputStream());
            } catch (java.net.SocketException e) {
                // VictoriaMetrics answered (e.g. 400 for a path it does not serve) and closed before reading it all;
                // a dead server is caught by the batch's sentinel write.
                return new Response(-1, e.toString().getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new IllegalStateException("VictoriaMetrics unreachable for " + (c == null ? target : c.describe()), e);
        }
    }

    private Response get(String target) {
        try (Socket s = new Socket("127.0.0.1", httpPort)) {
            s.setSoTimeout(15_000);
            s.getOutputStream().write(("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            return Response.parse(s.getInputStream());
        } catch (IOException e) {
            return new Response(-1, new byte[0]);
        }
    }

    /** Every mismatch, in full, to {@value #REPORT} (the failure message shows only the smallest). */
    private static void writeReport(List<Mismatch> failures, List<Mismatch> identity) throws IOException {
        StringBuilder s = new StringBuilder("# charged less than stored: " + failures.size() + "\n\n");
        failures.forEach(m -> s.append(m).append("\n\n"));
        s.append("# stored under another identity: ").append(identity.size()).append("\n\n");
        identity.forEach(m -> s.append(m).append("\n\n"));
        java.nio.file.Files.writeString(Path.of(REPORT), s);
    }

    private static String report(String what, long seed, List<Mismatch> mismatches) {
        StringBuilder s = new StringBuilder(what).append(": ").append(mismatches.size())
                .append(" case(s); seed ").append(seed).append(" (rerun one with -Dtsgate.parity.seed=").append(seed)
                .append(" -Dtsgate.parity.case=N); all of them in ").append(REPORT).append(". Smallest first:\n");
        mismatches.stream().sorted(Comparator.comparingInt(m -> m.charged().write().body().length))
                .limit(SHOWN_FAILURES).forEach(m -> s.append(m).append("\n\n"));
        return s.toString();
    }

    /** tsgate's answer: a charge when it let the write through, else the denial. */
    private record Verdict(RecordingLimiter.Charge charge, String outcome) {
        @Override
        public String toString() {
            return charge == null ? "refused " + outcome
                    : "allowed, charged " + charge.rows() + " rows, " + charge.seriesHashes().length + " series";
        }
    }

    private record Charged(WriteCase write, RecordingLimiter.Charge charge, Response response) {
    }

    private record Mismatch(Charged charged, List<ExportedSeries> stored, long rows, int series) {
        @Override
        public String toString() {
            return charged.write().describe() + "\n  tsgate charged " + charged.charge().rows() + " rows, "
                    + charged.charge().seriesHashes().length + " series; VictoriaMetrics answered "
                    + charged.response().status() + " and stored " + rows + " rows, " + series + " series: " + stored
                    + "\n  stored series tsgate did not count as such: " + uncounted(charged.charge().seriesHashes(), stored);
        }
    }

    /** An HTTP/1.1 response read to the end of a Connection: close stream. */
    private record Response(int status, byte[] body) {
        static Response parse(InputStream in) throws IOException {
            byte[] all = in.readAllBytes();
            String text = new String(all, StandardCharsets.ISO_8859_1);
            int sp = text.indexOf(' ');
            int status = sp < 0 ? -1 : Integer.parseInt(text.substring(sp + 1, sp + 4));
            int bodyAt = text.indexOf("\r\n\r\n");
            byte[] body = bodyAt < 0 ? new byte[0] : java.util.Arrays.copyOfRange(all, bodyAt + 4, all.length);
            if (text.substring(0, Math.max(0, bodyAt)).toLowerCase(java.util.Locale.ROOT).contains("transfer-encoding: chunked")) {
                body = dechunk(body);
            }
            return new Response(status, body);
        }

        String text() {
            String t = new String(body, StandardCharsets.UTF_8).strip();
            return t.length() > 300 ? t.substring(0, 300) + "…" : t;
        }

        private static byte[] dechunk(byte[] b) {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            int i = 0;
            while (i < b.length) {
                int eol = i;
                while (eol + 1 < b.length && !(b[eol] == '\r' && b[eol + 1] == '\n')) {
                    eol++;
                }
                String sizeText = new String(b, i, eol - i, StandardCharsets.ISO_8859_1).split(";")[0].trim();
                int size = sizeText.isEmpty() ? 0 : Integer.parseInt(sizeText, 16);
                if (size == 0) {
                    break;
                }
                out.write(b, eol + 2, size);
                i = eol + 2 + size + 2;
            }
            return out.toByteArray();
        }
    }

    /** Per-format tallies printed after the run. */
    private static final class Stats {
        private final Map<String, long[]> perFormat = new TreeMap<>();
        private final Map<String, Integer> refusals = new TreeMap<>();

        void verdict(String format, Verdict v) {
            long[] t = perFormat.computeIfAbsent(format, k -> new long[3]);
            if (v.charge() != null) {
                t[0]++;
            } else {
                t[1]++;
                refusals.merge(format + " " + v.outcome(), 1, Integer::sum);
            }
        }

        void stored(String format, long rows) {
            perFormat.get(format)[2] += rows;
        }

        long total() {
            return perFormat.values().stream().mapToLong(t -> t[0] + t[1]).sum();
        }

        long storedRows() {
            return perFormat.values().stream().mapToLong(t -> t[2]).sum();
        }

        @Override
        public String toString() {
            StringBuilder s = new StringBuilder();
            perFormat.forEach((f, t) -> s.append(String.format("  %-12s allowed %5d  refused %5d  rows stored %6d%n",
                    f, t[0], t[1], t[2])));
            refusals.forEach((k, n) -> s.append(String.format("    refused %5d  %s%n", n, k)));
            return s.toString();
        }
    }
}

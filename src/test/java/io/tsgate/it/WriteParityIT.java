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
import io.tsgate.parity.ParityStats;
import io.tsgate.parity.RecordingLimiter;
import io.tsgate.parity.WriteCase;
import io.tsgate.parity.WriteCases;
import java.io.IOException;
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
 * stored from it; charging more is fine, refusing is fine. Every stored series must carry its case label (the
 * confinement an {@code extra_label} gives). Each stored series should also be one tsgate counted (same canonical
 * hash): a difference there is reported, and fails the run with {@code -Dtsgate.parity.strictIdentity=true}.
 *
 * <p>1.79.5 serves OpenTSDB HTTP only on {@code -opentsdbHTTPListenAddr} (its main port answers "unsupported path"
 * for {@code /api/put}), so the VictoriaMetrics here has one and OpenTSDB cases go there.
 *
 * <p>Bounded by default (fixed seed, {@value #DEFAULT_CASES} cases). Longer or other runs:
 * {@code -Dtsgate.parity.cases=N}, {@code -Dtsgate.parity.seed=S} (or {@code random}); one case alone, verbosely:
 * {@code -Dtsgate.parity.case=N}; smaller batches to find which case of one broke confinement:
 * {@code -Dtsgate.parity.batch=1 -Dtsgate.parity.from=N}.
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
        LogSettings.configure("text", "ERROR"); // thousands of expected denials (WARN lines) would bury the report
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
        PrometheusRegistry registry = new PrometheusRegistry();
        extProcServer = InProcessServerBuilder.forName(name).directExecutor()
                .addService(io.tsgate.envoy.ExtProcServices.of(new WriteBodyCounter(8 << 20, 32 << 20),
                        new io.tsgate.envoy.WriteCountingPool(2, 64, Duration.ofSeconds(30), registry), limiter, true,
                        registry, Map.of()))
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
        ParityStats stats = new ParityStats();
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
        judge(seed, only == null, stats, failures, identity);
    }

    /** Reports the run and fails on what the oracle forbids. */
    private void judge(long seed, boolean generated, ParityStats stats, List<Mismatch> failures, List<Mismatch> identity)
            throws IOException {
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
        if (Boolean.getBoolean("tsgate.parity.strictIdentity") && !identity.isEmpty()) {
            fail(report("stored series tsgate counted under another identity", seed, identity));
        }
        if (generated) {
            assertTrue(stats.storedRows() > 0, "no generated write stored anything: the harness tests nothing");
        }
    }

    private static long seed() {
        String s = System.getProperty("tsgate.parity.seed");
        if (s == null || s.isEmpty()) {
            return DEFAULT_SEED;
        }
        return s.equals("random") ? new java.security.SecureRandom().nextLong() : Long.parseLong(s);
    }

    /** Counts each case through tsgate, stores the allowed ones, then compares with one export. */
    private void runBatch(int batch, List<WriteCase> cases, ParityStats stats, List<Mismatch> failures,
                          List<Mismatch> identity, boolean verbose) throws Exception {
        Map<String, Charged> allowed = new LinkedHashMap<>();
        for (WriteCase c : cases) {
            String caseValue = batch + "_" + c.index();
            Verdict v = tsgate(c, caseValue);
            if (v.charge() != null) {
                stats.allowed(c.format());
            } else {
                stats.refused(c.format(), v.outcome());
            }
            if (verbose) {
                System.out.println(c.describe() + "\n  tsgate: " + v);
            }
            if (v.charge() != null) {
                ParityHttp.Response r = post(c, c.target(caseValue));
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
        String labels = new String(get("/api/v1/labels?start=1").body(), StandardCharsets.UTF_8);
        StringBuilder q = new StringBuilder("/api/v1/export?start=1");
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
    private Map<String, List<ExportedSeries>> storedSince(int batch) throws IOException {
        String sentinel = batch + "_sentinel";
        ParityHttp.Response r = ParityHttp.post(httpPort, "/api/v1/import/prometheus?extra_label=" + WriteCase.CASE_LABEL
                + "=" + sentinel, List.of(), "parity_sentinel 1\n".getBytes(StandardCharsets.UTF_8));
        assertEquals(204, r.status(), r.text());
        assertEquals(200, get("/internal/force_flush").status());
        String match = URLEncoder.encode("{" + WriteCase.CASE_LABEL + "=~\"" + batch + "_.*\"}", StandardCharsets.UTF_8);
        long end = System.currentTimeMillis() / 1000 + 3 * 86400;
        List<ExportedSeries> all = Await.until("batch " + batch + " sentinel exported", Duration.ofSeconds(15),
                () -> ExportedSeries.parse(get("/api/v1/export?match[]=" + match + "&start=1&end=" + end).body()),
                s -> ExportedSeries.byLabel(s, WriteCase.CASE_LABEL).containsKey(sentinel));
        return ExportedSeries.byLabel(all, WriteCase.CASE_LABEL);
    }

    /** The case's bytes and headers, as Envoy forwards an allowed write (OpenTSDB to its own listener). */
    private ParityHttp.Response post(WriteCase c, String target) {
        try {
            return ParityHttp.post(c.format().equals("opentsdb") ? openTsdbPort : httpPort, target, c.headers(), c.body());
        } catch (IOException e) {
            throw new IllegalStateException("VictoriaMetrics unreachable for " + c.describe(), e);
        }
    }

    private ParityHttp.Response get(String target) {
        return ParityHttp.get(httpPort, target);
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

    private record Charged(WriteCase write, RecordingLimiter.Charge charge, ParityHttp.Response response) {
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

}

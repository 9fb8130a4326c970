package io.tsgate.bench;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.tsgate.Gateway;
import io.tsgate.bench.WriteCountingLoad.Kind;
import io.tsgate.bench.WriteCountingLoad.Result;
import io.tsgate.bench.WriteCountingLoad.Write;
import io.tsgate.config.CountingPoolConfig;
import io.tsgate.config.FlagParser;
import io.tsgate.config.GatewayConfig;
import io.tsgate.ingest.ExtraLabels;
import io.tsgate.ingest.MalformedBodyException;
import io.tsgate.ingest.WriteBodyCounter;
import io.tsgate.it.ExtProcStandIn;
import io.tsgate.request.EndpointCatalogue;
import io.tsgate.request.WriteFormat;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code src/test/bench/write-load-bench.sh [rounds]}: a gateway with the default counting pool and body bounds
 * (plus any flags in {@code BENCH_FLAGS}), and in each round, in alternating order, read Checks alone and read Checks
 * while as many maximum-size adversarial bodies as the pool holds are in flight, followed by a burst beyond it (see
 * {@link WriteCountingLoad}). Prints per round and the median over rounds: Check p50/p99 idle and loaded, the
 * slowest counted body (headers to verdict), the slowest 503 for a full pool, and how many bodies got which answer.
 * Client and gateway share one JVM and the machine's cores, as Envoy and tsgate share a node.
 */
public final class WriteLoadBenchmark {
    private static final int IDLE_CHECKS = 2000;
    private static final int PER_WRITER = 3;
    private static final int BURST = 4;
    private static final int COST_REPEATS = 5;

    private WriteLoadBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        List<String> flags = new ArrayList<>(List.of("-grpcListenAddr=127.0.0.1:0", "-httpListenAddr=127.0.0.1:0",
                "-enable.auth=false", "-enable.rateLimit"));
        String extra = System.getenv().getOrDefault("BENCH_FLAGS", "").trim();
        if (!extra.isEmpty()) {
            flags.addAll(Arrays.asList(extra.split("\\s+")));
        }
        Path limits = Files.createTempFile("write-load-limits", ".yaml");
        Files.writeString(limits, "limits: [{type: rows_inserted, value: 1000000000000, resolution: minute}]");
        flags.add("-ratelimit.config=" + limits);
        GatewayConfig config = GatewayConfig.from(FlagParser.parse(flags, Map.of()));
        CountingPoolConfig pool = config.counting();
        List<AdversarialBodies.Body> bodies = AdversarialBodies.all(config.ingest().maxDecodedBytes());
        int writers = pool.threads() + pool.queueSize();
        System.out.printf("pool: %d threads + %d queue slots, -ingest.countTimeout=%s; %d writers x %d bodies, burst %d;"
                        + " bodies decode to %d bytes (%s)%n", pool.threads(), pool.queueSize(), pool.timeout(), writers,
                PER_WRITER, BURST, config.ingest().maxDecodedBytes(),
                bodies.stream().map(b -> b.name() + " " + b.bytes().length + " B gzip").toList());
        countingCost(config, bodies);
        try (Gateway gateway = Gateway.start(config, Clock.systemUTC())) {
            ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", gateway.grpcPort()).usePlaintext().build();
            try {
                run(channel, bodies, writers, rounds);
            } finally {
                channel.shutdownNow();
                channel.awaitTermination(5, TimeUnit.SECONDS);
            }
        } finally {
            Files.deleteIfExists(limits);
        }
    }

    private static void run(ManagedChannel channel, List<AdversarialBodies.Body> bodies, int writers, int rounds)
            throws Exception {
        // Unmeasured: the connection (slow to set up on a loaded machine), JIT for the Check and counting paths.
        io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc.newBlockingStub(channel).withDeadlineAfter(1, TimeUnit.MINUTES)
                .check(WriteCountingLoad.check("GET", "/api/v1/query?query=up"));
        idleChecks(channel, IDLE_CHECKS);
        WriteCountingLoad.run(channel, ExtProcStandIn.Settings.envoyYaml(), bodies, writers, 1, 0);
        double[][] figures = new double[rounds][];
        for (int round = 0; round < rounds; round++) {
            List<Long> idle = null;
            Result loaded;
            if (round % 2 == 0) {
                idle = idleChecks(channel, IDLE_CHECKS);
                loaded = WriteCountingLoad.run(channel, ExtProcStandIn.Settings.envoyYaml(), bodies, writers, PER_WRITER, BURST);
            } else {
                loaded = WriteCountingLoad.run(channel, ExtProcStandIn.Settings.envoyYaml(), bodies, writers, PER_WRITER, BURST);
                idle = idleChecks(channel, IDLE_CHECKS);
            }
            figures[round] = report(round + 1, idle, loaded);
        }
        System.out.printf("median of %d rounds: idle Check p99 %.2f ms | loaded Check p50 %.2f ms, p99 %.2f ms | "
                        + "slowest counted body %.0f ms | slowest 503 for a full pool %.1f ms%n", rounds,
                median(figures, 0), median(figures, 1), median(figures, 2), median(figures, 3), median(figures, 4));
    }

    private static double[] report(int round, List<Long> idle, Result r) {
        List<Write> all = new ArrayList<>(r.writes());
        all.addAll(r.burst());
        double slowestCounted = ms(all.stream().filter(w -> w.kind() == Kind.COUNTED).mapToLong(Write::nanos).max().orElse(0));
        double slowestRefusal = ms(all.stream().filter(w -> w.kind() == Kind.OVERLOADED).mapToLong(Write::nanos).max().orElse(0));
        double[] f = {ms(WriteCountingLoad.percentile(idle, 99)), ms(r.checkP50()), ms(r.checkP99()), slowestCounted,
                slowestRefusal};
        System.out.printf("round %d: idle Check p50 %.2f ms p99 %.2f ms | loaded (%d Checks, %d failed) p50 %.2f ms p99 %.2f ms"
                        + " | counted %d (slowest %.0f ms; verdicts %s) | 503 full %d (slowest %.1f ms) | 503 timeout %d"
                        + " | Envoy failures %d%n", round, ms(WriteCountingLoad.percentile(idle, 50)), f[0],
                r.checkNanos().size(), r.checkErrors(), f[1], f[2], count(all, Kind.COUNTED), slowestCounted,
                all.stream().filter(w -> w.kind() == Kind.COUNTED).map(w -> w.status() + "").distinct().toList(),
                count(all, Kind.OVERLOADED), slowestRefusal, count(all, Kind.TIMED_OUT), count(all, Kind.ENVOY_FAILED));
        return f;
    }

    /**
     * The cost of one body alone, on this thread, as CPU time (what the machine's other load cannot inflate) and
     * wall time: the median of {@value #COST_REPEATS} counts after as many unmeasured ones.
     */
    private static void countingCost(GatewayConfig config, List<AdversarialBodies.Body> bodies) {
        WriteBodyCounter counter = new WriteBodyCounter(config.ingest().maxBodyBytes(), config.ingest().maxDecodedBytes());
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        for (AdversarialBodies.Body b : bodies) {
            String query = b.path().contains("?") ? b.path().substring(b.path().indexOf('?') + 1) : "";
            Map<String, String> args = new java.util.HashMap<>();
            for (String kv : query.split("&")) {
                if (kv.contains("=")) {
                    args.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
                }
            }
            WriteFormat format = EndpointCatalogue.writeFormat(b.path());
            long[] wall = new long[COST_REPEATS];
            long[] cpuTime = new long[COST_REPEATS];
            String verdict = "";
            for (int i = -COST_REPEATS; i < COST_REPEATS; i++) {
                long w0 = System.nanoTime();
                long c0 = cpu.getCurrentThreadCpuTime();
                try {
                    verdict = counter.count(format, b.contentEncoding(), args, ExtraLabels.NONE, b.bytes()).rows() + " rows";
                } catch (MalformedBodyException e) {
                    verdict = e.status() + " " + e.reason();
                }
                if (i >= 0) {
                    cpuTime[i] = cpu.getCurrentThreadCpuTime() - c0;
                    wall[i] = System.nanoTime() - w0;
                }
            }
            Arrays.sort(wall);
            Arrays.sort(cpuTime);
            System.out.printf("count %s (%d B gzip -> %d B): CPU %.0f ms, wall %.0f ms (median of %d), verdict %s%n",
                    b.name(), b.bytes().length, b.decodedBytes(), ms(cpuTime[COST_REPEATS / 2]),
                    ms(wall[COST_REPEATS / 2]), COST_REPEATS, verdict);
        }
    }

    private static List<Long> idleChecks(ManagedChannel channel, int n) {
        var stub = io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc.newBlockingStub(channel);
        var read = WriteCountingLoad.check("GET", "/api/v1/query?query=up");
        List<Long> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            stub.withDeadlineAfter(5, TimeUnit.SECONDS).check(read);
            out.add(System.nanoTime() - t0);
        }
        return out;
    }

    private static long count(List<Write> writes, Kind kind) {
        return writes.stream().filter(w -> w.kind() == kind).count();
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }

    private static double median(double[][] rows, int column) {
        double[] v = Arrays.stream(rows).mapToDouble(r -> r[column]).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
}

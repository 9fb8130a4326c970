package io.tsgate.bench;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.airlift.compress.snappy.SnappyDecompressor;
import io.envoyproxy.envoy.config.core.v3.HeaderMap;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpBody;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.grpc.stub.StreamObserver;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tsgate.request.Tenant;
import io.tsgate.envoy.ExtProcService;
import io.tsgate.envoy.WriteCountingPool;
import io.tsgate.ingest.WriteBodyCounter;
import io.tsgate.limits.LimitVerdict;
import io.tsgate.limits.UnlimitedLimiter;
import io.tsgate.limits.Limiter;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * ext_proc write accounting for remote-write bodies against the plain decode of the same body in the same run.
 * <ul>
 *   <li>{@code extProcAccounting}: one whole ext_proc stream through {@link ExtProcService} — request headers
 *   (answered with the BUFFERED override), the body as a {@code ProcessingRequest} (copied out of its ByteString,
 *   snappy-decoded, every series' labels sorted with the token's extra label and hashed, samples counted, distinct
 *   hashes collected), the limiter call and the reply;</li>
 *   <li>{@code baselineSnappyAndProtobufParse}: snappy decode + a full protobuf parse of the WriteRequest as generated
 *   classes do it (every label read as a String, every sample's value and timestamp decoded), nothing else.</li>
 * </ul>
 * Run: {@code src/test/bench/ingest-bench.sh [rounds]} (prints MB/s, samples/s and the ratio per round, and the median).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 4, time = 1)
@Fork(1)
public class IngestBenchmark {
    static final int COPIES = 50;
    private static final Tenant TENANT = new Tenant(1, 5);

    private RemoteWriteBodies.Body body;
    private ExtProcService service;
    private WriteCountingPool pool;
    private ProcessingRequest headers;
    private ProcessingRequest bodyMessage;

    /** Allows everything but asks for every write to be counted: the limiter's own cost is not measured here. */
    static final class CountEverything implements Limiter {
        private final Limiter allow = new UnlimitedLimiter();

        @Override
        public CompletionStage<LimitVerdict> acquireQuery(Tenant tenant) {
            return allow.acquireQuery(tenant);
        }

        @Override
        public CompletionStage<LimitVerdict> admitWrite(Tenant tenant, long rows, long[] seriesHashes) {
            return allow.admitWrite(tenant, rows, seriesHashes);
        }

        @Override
        public boolean countsWrites(Tenant tenant) {
            return true;
        }
    }

    @Setup
    public void setUp() throws IOException {
        body = RemoteWriteBodies.vmagentLike(COPIES);
        PrometheusRegistry registry = new PrometheusRegistry();
        pool = new WriteCountingPool(1, 1, Duration.ofMinutes(1), registry);
        service = io.tsgate.envoy.ExtProcServices.of(new WriteBodyCounter(64 << 20, 256 << 20), pool, new CountEverything(), true,
                registry, Map.of());
        Metadata authz = Metadata.newBuilder().putFilterMetadata("envoy.filters.http.ext_authz", Struct.newBuilder()
                .putFields("tenant", Value.newBuilder().setStringValue(TENANT.toString()).build())
                .putFields("subject", Value.newBuilder().setStringValue("bench").build())
                .putFields("class", Value.newBuilder().setStringValue("write").build()).build()).build();
        headers = ProcessingRequest.newBuilder().setRequestHeaders(HttpHeaders.newBuilder().setHeaders(HeaderMap.newBuilder()
                .addHeaders(header(":method", "POST"))
                .addHeaders(header(":path", "/insert/1:5/prometheus/api/v1/write?extra_label=team%3Ddev"))
                .addHeaders(header("content-encoding", "snappy"))
                .addHeaders(header("content-type", "application/x-protobuf")))).setMetadataContext(authz).build();
        bodyMessage = ProcessingRequest.newBuilder().setRequestBody(HttpBody.newBuilder()
                .setBody(ByteString.copyFrom(body.snappy())).setEndOfStream(true)).setMetadataContext(authz).build();
    }

    private static HeaderValue header(String k, String v) {
        return HeaderValue.newBuilder().setKey(k).setRawValue(ByteString.copyFromUtf8(v)).build();
    }

    @TearDown
    public void tearDown() {
        pool.close();
    }

    /** One stream: the body is counted on the counting pool, so the reply to it is awaited. */
    @Benchmark
    public void extProcAccounting(Blackhole bh) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        StreamObserver<ProcessingRequest> stream = service.process(new StreamObserver<>() {
            @Override
            public void onNext(ProcessingResponse r) {
                if (r.hasImmediateResponse()) {
                    done.completeExceptionally(new IllegalStateException(r.getImmediateResponse().getDetails()));
                }
                bh.consume(r);
            }

            @Override
            public void onError(Throwable t) {
                done.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
                done.complete(null);
            }
        });
        stream.onNext(headers);
        stream.onNext(bodyMessage);
        stream.onCompleted();
        done.join();
    }

    @Benchmark
    public void baselineSnappyAndProtobufParse(Blackhole bh) throws IOException {
        byte[] wire = bodyMessage.getRequestBody().getBody().toByteArray();
        byte[] decoded = new byte[SnappyDecompressor.getUncompressedLength(wire, 0)];
        int n = new SnappyDecompressor().decompress(wire, 0, wire.length, decoded, 0, decoded.length);
        CodedInputStream in = CodedInputStream.newInstance(decoded, 0, n);
        List<Object> series = new ArrayList<>();
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            if (tag != (1 << 3 | 2)) {
                in.skipField(tag);
                continue;
            }
            int limit = in.pushLimit(in.readRawVarint32());
            List<String> labels = new ArrayList<>();
            List<double[]> samples = new ArrayList<>();
            for (int t = in.readTag(); t != 0; t = in.readTag()) {
                if (t == (1 << 3 | 2)) {
                    int l = in.pushLimit(in.readRawVarint32());
                    for (int lt = in.readTag(); lt != 0; lt = in.readTag()) {
                        labels.add(in.readStringRequireUtf8());
                    }
                    in.popLimit(l);
                } else if (t == (2 << 3 | 2)) {
                    int s = in.pushLimit(in.readRawVarint32());
                    double value = 0;
                    long ts = 0;
                    for (int st = in.readTag(); st != 0; st = in.readTag()) {
                        if (st == (1 << 3 | 1)) {
                            value = in.readDouble();
                        } else {
                            ts = in.readInt64();
                        }
                    }
                    samples.add(new double[] {value, ts});
                    in.popLimit(s);
                } else {
                    in.skipField(t);
                }
            }
            in.popLimit(limit);
            series.add(labels);
            series.add(samples);
        }
        bh.consume(series);
    }

    /**
     * Runs both benchmarks in {@code rounds} rounds (argument 1, default 3), alternating which goes first, and prints
     * per round bodies/s, MB/s (wire and decoded) and samples/s with the ratio, then the median ratio: on a shared
     * machine load changes between benchmarks, and alternating rounds keeps that from favouring either side.
     */
    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        RemoteWriteBodies.Body b = RemoteWriteBodies.vmagentLike(COPIES);
        System.out.printf("body: %d series/samples, %d bytes snappy, %d bytes decoded%n", b.samples(), b.snappy().length,
                b.decodedBytes());
        double[] ratios = new double[rounds];
        StringBuilder report = new StringBuilder();
        for (int round = 0; round < rounds; round++) {
            String[] order = round % 2 == 0 ? new String[] {"extProcAccounting", "baselineSnappyAndProtobufParse"}
                    : new String[] {"baselineSnappyAndProtobufParse", "extProcAccounting"};
            double accounting = 0;
            double baseline = 0;
            for (String name : order) {
                Collection<RunResult> results = new Runner(new OptionsBuilder()
                        .include(IngestBenchmark.class.getName() + "\\." + name + "$").build()).run();
                double ops = results.iterator().next().getPrimaryResult().getScore();
                report.append(String.format("round %d %-32s %7.1f bodies/s %7.1f MB/s wire %7.1f MB/s decoded %,12.0f samples/s%n",
                        round + 1, name, ops, ops * b.snappy().length / 1e6, ops * b.decodedBytes() / 1e6, ops * b.samples()));
                if (name.equals("extProcAccounting")) {
                    accounting = ops;
                } else {
                    baseline = ops;
                }
            }
            ratios[round] = accounting / baseline;
            report.append(String.format("round %d ratio extProcAccounting / baseline = %.2f%n", round + 1, ratios[round]));
        }
        java.util.Arrays.sort(ratios);
        System.out.print("\n" + report);
        System.out.printf("median ratio over %d rounds = %.2f (target >= 0.70)%n", rounds, ratios[rounds / 2]);
    }
}

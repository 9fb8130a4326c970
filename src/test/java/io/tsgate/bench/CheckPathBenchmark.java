package io.tsgate.bench;

import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.grpc.stub.StreamObserver;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tsgate.Gateway;
import io.tsgate.envoy.ExtAuthzService;
import io.tsgate.policy.DecisionObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
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
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The Check work tsgate adds on top of gRPC, without the transport: {@code CheckRequest} in, {@code CheckResponse}
 * out, for a cached RS256 token with one extra label. {@code baseline} answers the same request with a prebuilt OK
 * response, as the no-op server does. Run: {@code src/test/bench/jmh.sh CheckPathBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class CheckPathBenchmark {
    private ExtAuthzService service;
    private CheckRequest request;
    private final CheckResponse ok = CheckResponse.newBuilder().build();

    @Setup
    public void setUp() throws Exception {
        Path dir = Files.createTempDirectory("check-bench");
        BenchToken.main(new String[] {dir.resolve("k.pem").toString(), dir.resolve("t").toString()});
        String token = Files.readString(dir.resolve("t")).trim();
        Gateway.Components c = Gateway.offlineAuthorizer("-enable.auth", "-auth.publicKeyFiles=" + dir.resolve("k.pem"));
        service = new ExtAuthzService(c.authorizer(), new DecisionObserver(new PrometheusRegistry(), 0, false), Map.of());
        request = CheckRequestFile.request(token);
    }

    @Benchmark
    public void tsgateCheck(Blackhole bh) {
        service.check(request, CheckSink.of(bh::consume));
    }

    @Benchmark
    public void baseline(Blackhole bh) {
        StreamObserver<CheckResponse> out = CheckSink.of(bh::consume);
        out.onNext(ok);
        out.onCompleted();
    }
}

package io.tsgate.bench;

import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tsgate.Gateway;
import io.tsgate.envoy.ExtAuthzService;
import io.tsgate.policy.DecisionObserver;
import java.io.OutputStream;
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

/**
 * The Check work tsgate adds on top of gRPC, without sockets or HTTP/2: a {@code CheckRequest}'s bytes in, the
 * response's bytes out (each service's own marshallers, as the transport would call them), for a cached RS256 token
 * with one extra label. {@code baseline} is the no-op server's service: protobuf's generated parser for the same
 * request bytes, its prebuilt OK response out.
 * Run: {@code src/test/bench/jmh.sh CheckPathBenchmark -prof gc} (B/op is gc.alloc.rate.norm).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class CheckPathBenchmark {
    private static final String CHECK = AuthorizationGrpc.getCheckMethod().getFullMethodName();
    private final OutputStream sink = OutputStream.nullOutputStream();
    private WireCalls<Object, Object> tsgate;
    private WireCalls<Object, Object> noop;
    private byte[] request;

    @Setup
    public void setUp() throws Exception {
        Path dir = Files.createTempDirectory("check-bench");
        BenchToken.main(new String[] {dir.resolve("k.pem").toString(), dir.resolve("t").toString()});
        String token = Files.readString(dir.resolve("t")).trim();
        Gateway.Components c = Gateway.offlineAuthorizer("-enable.auth", "-auth.publicKeyFiles=" + dir.resolve("k.pem"));
        tsgate = new WireCalls<>(new ExtAuthzService(c.authorizer(),
                new DecisionObserver(new PrometheusRegistry(), 0, false), Map.of()).bindService(), CHECK);
        noop = new WireCalls<>(new NoopCheckServer().bindService(), CHECK);
        request = CheckRequestFile.request(token).toByteArray();
        if (tsgate.call(request, sink) < 100) {
            throw new IllegalStateException("tsgate did not answer with an allow");
        }
    }

    @Benchmark
    public long tsgateCheck() {
        return tsgate.call(request, sink);
    }

    @Benchmark
    public long baseline() {
        return noop.call(request, sink);
    }
}

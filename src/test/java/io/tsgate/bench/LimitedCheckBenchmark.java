package io.tsgate.bench;

import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.grpc.stub.StreamObserver;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tsgate.auth.OpenAccessAuthenticator;
import io.tsgate.envoy.ExtAuthzService;
import io.tsgate.limits.FailSafeLimiter;
import io.tsgate.limits.FailureMode;
import io.tsgate.limits.LimitFile;
import io.tsgate.limits.LimitRules;
import io.tsgate.limits.LocalLimiter;
import io.tsgate.limits.MeteredLimiter;
import io.tsgate.policy.DecisionObserver;
import io.tsgate.policy.RequestAuthorizer;
import java.time.Clock;
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
 * What the {@code queries} limit adds to a Check: the same read request through the same service, once without a
 * limiter ({@code unlimited}, the baseline) and once with the local backend wrapped as the gateway wires it
 * (failure mode, per-tenant metrics) and a minute and an hour limit that are never reached ({@code limitedLocal}).
 * No credential verification (-enable.auth=false), so the ratio isolates the limiter.
 * Run: {@code src/test/bench/jmh.sh LimitedCheckBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class LimitedCheckBenchmark {
    private ExtAuthzService unlimited;
    private ExtAuthzService limited;
    private CheckRequest request;

    @Setup
    public void setUp() throws Exception {
        OpenAccessAuthenticator open = new OpenAccessAuthenticator("authorization");
        unlimited = new ExtAuthzService(new RequestAuthorizer(open, false),
                new DecisionObserver(new PrometheusRegistry(), 0, false), Map.of());
        LimitRules rules = LimitFile.parse("""
                limits:
                  - {type: queries, value: 1000000000000, resolution: minute}
                  - {type: queries, value: 1000000000000, resolution: hour}
                """, "bench");
        PrometheusRegistry registry = new PrometheusRegistry();
        LocalLimiter local = new LocalLimiter(Clock.systemUTC(), () -> rules);
        MeteredLimiter limiter = new MeteredLimiter(new FailSafeLimiter(local, "local", FailureMode.OPEN, registry),
                local, registry);
        limited = new ExtAuthzService(new RequestAuthorizer(open, false, limiter),
                new DecisionObserver(registry, 0, false), Map.of());
        request = CheckRequestFile.request("unused");
    }

    @Benchmark
    public void unlimited(Blackhole bh) {
        unlimited.check(request, CheckSink.of(bh::consume));
    }

    @Benchmark
    public void limitedLocal(Blackhole bh) {
        limited.check(request, CheckSink.of(bh::consume));
    }
}

package io.tsgate.bench;

import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.grpc.stub.StreamObserver;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tsgate.Gateway;
import io.tsgate.cli.ApiKeyCommand;
import io.tsgate.envoy.ExtAuthzService;
import io.tsgate.policy.DecisionObserver;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
 * Check work per credential kind, same run: a cached RS256 token with key files only ({@code jwtOnly}, the
 * {@link CheckPathBenchmark} case), the same token with API keys configured too ({@code jwtWithApiKeys}: the cost of
 * choosing the credential), and an API key ({@code apiKey}: one SHA-256 and a map lookup per request). {@code baseline}
 * answers with a prebuilt response. Run: {@code src/test/bench/jmh.sh CredentialCheckBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class CredentialCheckBenchmark {
    private ExtAuthzService jwtOnly;
    private ExtAuthzService both;
    private CheckRequest tokenRequest;
    private CheckRequest keyRequest;
    private final CheckResponse ok = CheckResponse.newBuilder().build();

    @Setup
    public void setUp() throws Exception {
        Path dir = Files.createTempDirectory("credential-bench");
        BenchToken.main(new String[] {dir.resolve("k.pem").toString(), dir.resolve("t").toString()});
        String token = Files.readString(dir.resolve("t")).trim();
        Path keys = dir.resolve("apikeys.yaml");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (ApiKeyCommand.run(List.of("create", "bench", "-file=" + keys, "-account=1", "-project=5", "-mode=read",
                "-label=team=dev"), new PrintStream(out, true, StandardCharsets.UTF_8), System.err) != 0) {
            throw new IllegalStateException("apikey create failed");
        }
        String apiKey = out.toString(StandardCharsets.UTF_8).trim();
        String pem = "-auth.publicKeyFiles=" + dir.resolve("k.pem");
        jwtOnly = service(Gateway.offlineAuthorizer("-enable.auth", pem));
        both = service(Gateway.offlineAuthorizer("-enable.auth", pem, "-apikeys.file=" + keys));
        tokenRequest = CheckRequestFile.request(token);
        CheckRequest.Builder b = tokenRequest.toBuilder();
        b.getAttributesBuilder().getRequestBuilder().getHttpBuilder().removeHeaders("authorization")
                .putHeaders("x-api-key", apiKey);
        keyRequest = b.build();
        for (CheckRequest r : List.of(tokenRequest, keyRequest)) {
            CheckResponse[] got = new CheckResponse[1];
            both.check(r, CheckSink.of(v -> got[0] = v));
            if (got[0].getStatus().getCode() != 0) {
                throw new IllegalStateException("benchmark request is denied: " + got[0]);
            }
        }
    }

    private static ExtAuthzService service(Gateway.Components c) {
        return new ExtAuthzService(c.authorizer(), new DecisionObserver(new PrometheusRegistry(), 0, false), Map.of());
    }

    @Benchmark
    public void jwtOnly(Blackhole bh) {
        jwtOnly.check(tokenRequest, CheckSink.of(bh::consume));
    }

    @Benchmark
    public void jwtWithApiKeys(Blackhole bh) {
        both.check(tokenRequest, CheckSink.of(bh::consume));
    }

    @Benchmark
    public void apiKey(Blackhole bh) {
        both.check(keyRequest, CheckSink.of(bh::consume));
    }

    @Benchmark
    public void baseline(Blackhole bh) {
        StreamObserver<CheckResponse> out = CheckSink.of(bh::consume);
        out.onNext(ok);
        out.onCompleted();
    }
}

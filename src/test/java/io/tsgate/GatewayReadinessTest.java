package io.tsgate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.tsgate.config.FlagParser;
import io.tsgate.config.GatewayConfig;
import io.tsgate.it.Await;
import io.tsgate.it.FreePort;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code /ready} and gRPC health mean "this process can decide now": credentials loaded. A rate-limit backend that
 * cannot be reached (nothing listens on its port here; {@code LimiterOutageReadinessIT} kills a real Redis) leaves
 * both ready while tsgate decides by {@code -ratelimit.failureMode}, and shows in {@code tsgate_ratelimit_backend_up}.
 */
class GatewayReadinessTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Duration WAIT = Duration.ofSeconds(15);

    @TempDir
    Path dir;

    private static Gateway start(String... flags) throws Exception {
        List<String> args = new ArrayList<>(List.of("-grpcListenAddr=127.0.0.1:0", "-httpListenAddr=127.0.0.1:0"));
        args.addAll(List.of(flags));
        return Gateway.start(GatewayConfig.from(FlagParser.parse(args, Map.of())), Clock.systemUTC());
    }

    private static HttpResponse<String> get(Gateway g, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + g.httpPort() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static ServingStatus grpcHealth(ManagedChannel ch) {
        return HealthGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
                .check(HealthCheckRequest.newBuilder().setService("").build()).getStatus();
    }

    private static CheckResponse query(ManagedChannel ch) {
        return AuthorizationGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS).check(CheckRequest.newBuilder()
                .setAttributes(AttributeContext.newBuilder().setRequest(AttributeContext.Request.newBuilder()
                        .setHttp(AttributeContext.HttpRequest.newBuilder().setMethod("GET").setHost("vm")
                                .setPath("/api/v1/query?query=up")))).build());
    }

    private static int status(CheckResponse r) {
        return r.getStatus().getCode() == 0 ? 200 : r.getDeniedResponse().getStatus().getCodeValue();
    }

    private static boolean backendDown(Gateway g, String backend) {
        try {
            return get(g, "/metrics").body().contains("tsgate_ratelimit_backend_up{backend=\"" + backend + "\"} 0.0");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private Path limits(String yaml) throws Exception {
        Path file = dir.resolve("limits.yaml");
        Files.writeString(file, yaml);
        return file;
    }

    /** Before: /ready 503 ("redis unreachable") although every request was decided. */
    @ParameterizedTest
    @ValueSource(strings = {"open", "closed"})
    void unreachableRedisLeavesTsgateReadyAndDecidingByFailureMode(String mode) throws Exception {
        Path file = limits("limits: [{type: queries, value: 1, resolution: hour}]");
        try (Gateway g = start("-enable.auth=false", "-enable.rateLimit", "-ratelimit.config=" + file,
                "-ratelimit.backend=redis", "-redis.url=redis://127.0.0.1:" + FreePort.pick(), "-redis.timeout=200ms",
                "-ratelimit.failureMode=" + mode)) {
            ManagedChannel ch = ManagedChannelBuilder.forAddress("127.0.0.1", g.grpcPort()).usePlaintext().build();
            try {
                Await.until("the outage in tsgate_ratelimit_backend_up", WAIT, () -> backendDown(g, "redis"), d -> d);
                HttpResponse<String> ready = get(g, "/ready");
                assertEquals(200, ready.statusCode(), ready.body());
                assertEquals(ServingStatus.SERVING, grpcHealth(ch));
                for (int i = 0; i < 3; i++) {
                    CheckResponse r = query(ch);
                    if (mode.equals("open")) {
                        assertEquals(200, status(r), "fail open: passes uncounted, over the limit of 1 too");
                    } else {
                        assertEquals(429, status(r));
                        assertEquals("limit_backend_unavailable", r.getStatus().getMessage());
                    }
                }
            } finally {
                ch.shutdownNow();
            }
        }
    }

    /** Before: /ready 503 until the first datasource query answered. */
    @Test
    void unreachableDatasourceLeavesTsgateReady() throws Exception {
        Path file = limits("limits: [{type: queries, value: 1, resolution: hour}]");
        try (Gateway g = start("-enable.auth=false", "-enable.rateLimit", "-ratelimit.config=" + file,
                "-ratelimit.backend=datasource", "-datasource.url=http://127.0.0.1:" + FreePort.pick(),
                "-ratelimit.refreshInterval=200ms")) {
            Await.until("the outage in tsgate_ratelimit_backend_up", WAIT, () -> backendDown(g, "datasource"), d -> d);
            HttpResponse<String> ready = get(g, "/ready");
            assertEquals(200, ready.statusCode(), ready.body());
        }
    }

    /** Keys not loaded: tsgate cannot decide, and gRPC health now says so as /ready does (before: SERVING). */
    @Test
    void grpcHealthFollowsReadinessWhileKeysAreMissing() throws Exception {
        try (Gateway g = start("-enable.auth", "-auth.jwksEndpoints=http://127.0.0.1:" + FreePort.pick() + "/jwks",
                "-auth.jwksMinRefreshInterval=200ms")) {
            ManagedChannel ch = ManagedChannelBuilder.forAddress("127.0.0.1", g.grpcPort()).usePlaintext().build();
            try {
                HttpResponse<String> ready = get(g, "/ready");
                assertEquals(503, ready.statusCode());
                assertTrue(ready.body().contains("not loaded"), ready.body());
                assertEquals(ServingStatus.NOT_SERVING, grpcHealth(ch));
            } finally {
                ch.shutdownNow();
            }
        }
    }
}

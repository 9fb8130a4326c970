package io.tsgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.tsgate.Gateway;
import io.tsgate.auth.JwksFixtures;
import io.tsgate.auth.KeyPairFiles;
import io.tsgate.config.FlagParser;
import io.tsgate.config.GatewayConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real redis-server killed (SIGKILL) under a running tsgate, in both failure modes: /ready and gRPC health stay
 * ready, since tsgate still decides every request — open lets the limited tenant pass uncounted, closed refuses it
 * with 429 — while an unlimited tenant passes either way; tsgate_ratelimit_backend_up reports the outage and the
 * return, after which the limit counts again.
 */
class LimiterOutageReadinessIT {
    /** Fixed inside one minute window, so no window boundary falls inside a test. */
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2030-01-01T00:00:05Z"), ZoneOffset.UTC);
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Duration WAIT = Duration.ofSeconds(15);

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"open", "closed"})
    void redisKilledLeavesTsgateReadyAndDecidingByFailureMode(String mode) throws Exception {
        JwksFixtures.SigningKey key = JwksFixtures.rsa("it");
        Path pem = dir.resolve("it.pem");
        Files.writeString(pem, KeyPairFiles.pem("PUBLIC KEY", key.publicJwk().toRSAKey().toPublicKey().getEncoded()));
        Path limits = dir.resolve("limits.yaml");
        Files.writeString(limits, "limits: [{type: queries, value: 2, resolution: minute, account_id: 1, project_id: 0}]");
        String limited = key.token(1, 0, CLOCK.instant().plusSeconds(3600));
        String unlimited = key.token(2, 0, CLOCK.instant().plusSeconds(3600));
        try (RedisServer redis = RedisServer.start();
             Gateway g = Gateway.start(GatewayConfig.from(FlagParser.parse(List.of("-grpcListenAddr=127.0.0.1:0",
                     "-httpListenAddr=127.0.0.1:0", "-enable.auth", "-auth.publicKeyFiles=" + pem,
                     "-enable.rateLimit", "-ratelimit.config=" + limits, "-ratelimit.backend=redis",
                     "-redis.url=" + redis.uri(), "-redis.timeout=500ms", "-ratelimit.failureMode=" + mode,
                     "-ratelimit.configCheckInterval=0"), Map.of())), CLOCK)) {
            ManagedChannel ch = ManagedChannelBuilder.forAddress("127.0.0.1", g.grpcPort()).usePlaintext().build();
            try {
                assertEquals(200, status(query(ch, limited)));
                assertEquals(200, status(query(ch, limited)));
                assertEquals("limit_queries", query(ch, limited).getStatus().getMessage());
                assertReady(g, ch);

                redis.kill();
                Await.until("the outage in tsgate_ratelimit_backend_up", WAIT, () -> metrics(g),
                        m -> m.contains("tsgate_ratelimit_backend_up{backend=\"redis\"} 0"));
                assertReady(g, ch);
                for (int i = 0; i < 3; i++) {
                    CheckResponse r = query(ch, limited);
                    if (mode.equals("open")) {
                        assertEquals(200, status(r), "fail open: the limited tenant passes uncounted");
                    } else {
                        assertEquals(429, status(r), "fail closed: the limited tenant is refused");
                        assertEquals("limit_backend_unavailable", r.getStatus().getMessage());
                    }
                    assertEquals(200, status(query(ch, unlimited)), "no limit applies: no backend needed");
                }
                assertReady(g, ch);

                redis.startAgain(); // empty: the counters are gone
                Await.until("the backend back in tsgate_ratelimit_backend_up", WAIT, () -> metrics(g),
                        m -> m.contains("tsgate_ratelimit_backend_up{backend=\"redis\"} 1"));
                Await.until("the limit to count again", WAIT, () -> query(ch, limited),
                        r -> r.getStatus().getMessage().equals("limit_queries"));
                assertReady(g, ch);
            } finally {
                ch.shutdownNow();
            }
        }
    }

    private static void assertReady(Gateway g, ManagedChannel ch) throws Exception {
        HttpResponse<String> ready = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + g.httpPort()
                + "/ready")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, ready.statusCode(), ready.body());
        assertEquals(ServingStatus.SERVING, HealthGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
                .check(HealthCheckRequest.newBuilder().setService("").build()).getStatus());
    }

    private static CheckResponse query(ManagedChannel ch, String token) {
        AttributeContext.HttpRequest http = AttributeContext.HttpRequest.newBuilder().setMethod("GET").setHost("vm")
                .setPath("/api/v1/query?query=up").putHeaders("authorization", "Bearer " + token).build();
        return AuthorizationGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS).check(CheckRequest
                .newBuilder().setAttributes(AttributeContext.newBuilder().setRequest(AttributeContext.Request
                        .newBuilder().setHttp(http))).build());
    }

    private static int status(CheckResponse r) {
        return r.hasDeniedResponse() ? r.getDeniedResponse().getStatus().getCodeValue() : 200;
    }

    private static String metrics(Gateway g) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + g.httpPort() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        } catch (Exception e) {
            throw new IllegalStateException("GET /metrics: " + e, e);
        }
    }
}

package io.tsgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.tsgate.Gateway;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The redis backend against a real redis-server: replicas share one limit, and a Redis restart is survived as
 * {@code -ratelimit.failureMode} says.
 */
class RateLimitRedisIT {
    /** Fixed inside one minute window, so no window boundary falls inside a test. */
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2030-01-01T00:00:05Z"), ZoneOffset.UTC);
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dir;
    private RedisServer redis;
    private final List<Gateway> gateways = new ArrayList<>();
    private final List<ManagedChannel> channels = new ArrayList<>();

    @BeforeEach
    void startRedis() throws Exception {
        redis = RedisServer.start();
    }

    @AfterEach
    void stop() {
        channels.forEach(ManagedChannel::shutdownNow);
        gateways.forEach(Gateway::close);
        redis.close();
    }

    private Gateway gateway(String limits, String failureMode) throws Exception {
        Path file = dir.resolve("limits.yaml");
        Files.writeString(file, limits);
        GatewayConfig config = GatewayConfig.from(FlagParser.parse(List.of("-grpcListenAddr=127.0.0.1:0",
                "-httpListenAddr=127.0.0.1:0", "-enable.auth=false", "-enable.rateLimit", "-ratelimit.config=" + file,
                "-ratelimit.backend=redis", "-redis.url=" + redis.uri(), "-redis.timeout=500ms",
                "-ratelimit.failureMode=" + failureMode, "-ratelimit.configCheckInterval=0"), Map.of()));
        Gateway g = Gateway.start(config, CLOCK);
        gateways.add(g);
        return g;
    }

    private AuthorizationGrpc.AuthorizationBlockingStub stub(Gateway g) {
        ManagedChannel ch = ManagedChannelBuilder.forAddress("127.0.0.1", g.grpcPort()).usePlaintext().build();
        channels.add(ch);
        return AuthorizationGrpc.newBlockingStub(ch).withDeadlineAfter(Duration.ofSeconds(10));
    }

    private static CheckResponse query(AuthorizationGrpc.AuthorizationBlockingStub stub) {
        String path = "/api/v1/query?query=up";
        AttributeContext.HttpRequest http = AttributeContext.HttpRequest.newBuilder().setMethod("GET").setPath(path)
                .putHeaders(":path", path).putHeaders(":method", "GET").build();
        return stub.check(CheckRequest.newBuilder().setAttributes(AttributeContext.newBuilder()
                .setRequest(AttributeContext.Request.newBuilder().setHttp(http))).build());
    }

    private static int status(CheckResponse r) {
        return r.hasDeniedResponse() ? r.getDeniedResponse().getStatus().getCodeValue() : 200;
    }

    private static String reason(CheckResponse r) {
        return r.getStatus().getMessage();
    }

    private static int httpStatus(Gateway g, String path) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + g.httpPort() + path)).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    private static String metrics(Gateway g) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + g.httpPort() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        } catch (Exception e) {
            throw new IllegalStateException("GET /metrics: " + e, e);
        }
    }

    @Test
    void twoReplicasSharingOneRedisEnforceOneLimitTogether() throws Exception {
        String limits = "limits: [{type: queries, value: 10, resolution: minute}]";
        var a = stub(gateway(limits, "open"));
        var b = stub(gateway(limits, "open"));
        int allowed = 0;
        List<CheckResponse> denied = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            CheckResponse r = query(i % 2 == 0 ? a : b);
            if (status(r) == 200) {
                allowed++;
            } else {
                denied.add(r);
            }
        }
        assertEquals(10, allowed, "10 in total across both replicas, not 20");
        assertEquals(20, denied.size());
        CheckResponse first = denied.get(0);
        assertEquals(429, status(first));
        assertEquals("limit_queries", reason(first));
        Map<String, String> h = first.getDeniedResponse().getHeadersList().stream()
                .collect(Collectors.toMap(x -> x.getHeader().getKey(), x -> x.getHeader().getValue()));
        assertEquals("55", h.get("retry-after"), "the window ends 55s after 00:00:05");
        assertEquals("10", h.get("ratelimit-limit"));
        assertEquals("0", h.get("ratelimit-remaining"));
        assertEquals("55", h.get("ratelimit-reset"));
        assertTrue(redis.command("GET {tsgate:0:0}:c:queries:60:" + (CLOCK.instant().getEpochSecond() / 60))
                .equals("$2"), "the shared counter lives under the tenant's hash tag");
        String m = metrics(gateways.get(0));
        assertTrue(m.contains("tsgate_tenant_limit_hits_total{account_id=\"0\",project_id=\"0\",type=\"queries\"}"), m);
    }

    @Test
    void gatewayStartsWhileRedisIsDownAndEnforcesOnceItIsUp() throws Exception {
        redis.stop();
        Gateway g = gateway("limits: [{type: queries, value: 2, resolution: minute}]", "closed");
        var s = stub(g);
        CheckResponse r = query(s);
        assertEquals(429, status(r));
        assertEquals("limit_backend_unavailable", reason(r));
        assertEquals(200, httpStatus(g, "/ready"), "tsgate decides (429 here): it is ready");
        Await.until("the outage in the metric", Duration.ofSeconds(10), () -> metrics(g),
                m -> m.contains("tsgate_ratelimit_backend_up{backend=\"redis\"} 0"));

        redis.startAgain();
        Await.until("connected in the background", Duration.ofSeconds(15), () -> metrics(g),
                m -> m.contains("tsgate_ratelimit_backend_up{backend=\"redis\"} 1"));
        Await.until("limits count again", Duration.ofSeconds(15), () -> status(query(s)), st -> st == 200);
        assertEquals(200, status(query(s)));
        assertEquals("limit_queries", reason(query(s)));
    }

    @Test
    void failOpenAllowsWhileRedisIsDownAndCountsAgainAfterItsRestart() throws Exception {
        Gateway g = gateway("limits: [{type: queries, value: 3, resolution: minute}]", "open");
        var s = stub(g);
        for (int i = 0; i < 3; i++) {
            assertEquals(200, status(query(s)));
        }
        assertEquals(429, status(query(s)));
        assertEquals(200, httpStatus(g, "/ready"));

        redis.stop();
        Await.until("requests pass uncounted while Redis is down", Duration.ofSeconds(15), () -> status(query(s)),
                st -> st == 200);
        for (int i = 0; i < 5; i++) {
            assertEquals(200, status(query(s)), "fail open: more than the limit passes");
        }
        Await.until("the metric reports the backend down", Duration.ofSeconds(10), () -> metrics(g),
                m -> m.contains("tsgate_ratelimit_backend_up{backend=\"redis\"} 0"));
        assertEquals(200, httpStatus(g, "/ready"), "an outage is a metric, not unreadiness");
        assertTrue(metrics(g).contains("tsgate_ratelimit_backend_failures_total{backend=\"redis\",failure_mode=\"open\"}"));

        redis.startAgain(); // empty: counters and the script cache are gone
        Await.until("the metric reports it back", Duration.ofSeconds(15), () -> metrics(g),
                m -> m.contains("tsgate_ratelimit_backend_up{backend=\"redis\"} 1"));
        Await.until("limits count again", Duration.ofSeconds(15), () -> {
            // Fresh Redis: 3 allowed, then 429. Until the reconnect, every query passes (open).
            int last = 0;
            for (int i = 0; i < 4; i++) {
                last = status(query(s));
            }
            return last;
        }, st -> st == 429);
    }

    @Test
    void failClosedRefusesWhileRedisIsDownAndAllowsAgainAfterItsRestart() throws Exception {
        Gateway g = gateway("limits: [{type: queries, value: 3, resolution: minute}]", "closed");
        var s = stub(g);
        assertEquals(200, status(query(s)));

        redis.stop();
        CheckResponse r = Await.until("refused while Redis is down", Duration.ofSeconds(15), () -> query(s),
                x -> status(x) == 429);
        assertEquals("limit_backend_unavailable", reason(r));
        assertEquals("1", r.getDeniedResponse().getHeadersList().stream()
                .filter(x -> x.getHeader().getKey().equals("retry-after")).findFirst().orElseThrow().getHeader().getValue());

        redis.startAgain(); // without persistence: the counters are gone
        Await.until("allowed again after Redis is back", Duration.ofSeconds(15), () -> status(query(s)), st -> st == 200);
        assertEquals(200, status(query(s)));
        assertEquals(200, status(query(s)));
        assertEquals("limit_queries", reason(query(s)), "a fresh window in the new Redis: 3 allowed, then over");
    }
}

package io.tsgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.tsgate.auth.KeyPairFiles;
import io.tsgate.testing.MutableClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Date;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Write limits as the running gateway wires them: a real {@link io.tsgate.Gateway} started from flags
 * ({@code -enable.rateLimit -ratelimit.config=FILE}, local and Redis backends) serves both ext_authz and ext_proc to
 * the strict {@link EnvoyStandIn} running envoy/envoy-single.yaml, in front of a real VictoriaMetrics. The limit
 * file gives every tenant {@code rows_inserted: 10} per hour; each test writes as its own tenant (account id) under
 * its own {@code team} label. The gateways share one {@link MutableClock}, frozen unless a test moves it, so a window
 * never rolls over by accident.
 */
@ExtendWith(ExternalServers.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GatewayWriteLimitIT {
    private static final int LIMIT = 10;
    private static final AtomicInteger ACCOUNTS = new AtomicInteger(1000);

    enum Backend { LOCAL, REDIS }

    /** A write body in one format: one series with {@code samples} samples. */
    enum Format {
        REMOTE_WRITE("/api/v1/write", "snappy"),
        PROMETHEUS_TEXT("/api/v1/import/prometheus", null),
        JSON_LINE("/api/v1/import", null);

        final String path;
        final String encoding;

        Format(String path, String encoding) {
            this.path = path;
            this.encoding = encoding;
        }

        byte[] oneSeries(String name, int samples, long firstMillis) {
            long[] ts = new long[samples];
            for (int i = 0; i < samples; i++) {
                ts[i] = firstMillis + i * 1000L;
            }
            StringBuilder b = new StringBuilder();
            switch (this) {
                case REMOTE_WRITE -> {
                    Map<String, String> labels = new LinkedHashMap<>();
                    labels.put("__name__", name);
                    labels.put("job", "w");
                    return RemoteWriteBody.oneSeries(labels, ts);
                }
                case PROMETHEUS_TEXT -> {
                    for (int i = 0; i < samples; i++) {
                        b.append(name).append("{job=\"w\"} ").append(i + 1).append(' ').append(ts[i]).append('\n');
                    }
                }
                default -> {
                    b.append("{\"metric\":{\"__name__\":\"").append(name).append("\",\"job\":\"w\"},\"values\":[");
                    for (int i = 0; i < samples; i++) {
                        b.append(i == 0 ? "" : ",").append(i + 1);
                    }
                    b.append("],\"timestamps\":[");
                    for (int i = 0; i < samples; i++) {
                        b.append(i == 0 ? "" : ",").append(ts[i]);
                    }
                    b.append("]}\n");
                }
            }
            return b.toString().getBytes(StandardCharsets.UTF_8);
        }
    }

    private record Stack(InProcessGateway gateway, EnvoyStandIn envoy) {
    }

    private VictoriaMetricsServer vm;
    private RedisServer redis;
    private RSAKey signingKey;
    private final MutableClock clock = new MutableClock(Instant.now().truncatedTo(ChronoUnit.HOURS).plusSeconds(600));
    private final Map<Backend, Stack> stacks = new EnumMap<>(Backend.class);

    @BeforeAll
    void start(VictoriaMetricsServer vm, @TempDir Path dir) throws Exception {
        this.vm = vm;
        signingKey = new RSAKeyGenerator(2048).keyID("it").generate();
        Path pem = dir.resolve("it.pem");
        Files.writeString(pem, KeyPairFiles.pem("PUBLIC KEY", signingKey.toPublicKey().getEncoded()));
        Path limits = dir.resolve("limits.yaml");
        Files.writeString(limits, "limits:\n  - {type: rows_inserted, value: " + LIMIT + ", resolution: hour}\n");
        redis = RedisServer.start();
        for (Backend b : Backend.values()) {
            List<String> flags = new ArrayList<>(List.of("-enable.auth", "-auth.publicKeyFiles=" + pem,
                    "-enable.rateLimit", "-ratelimit.config=" + limits));
            if (b == Backend.REDIS) {
                flags.addAll(List.of("-ratelimit.backend=redis", "-redis.url=" + redis.uri(), "-redis.timeout=5s"));
            }
            InProcessGateway g = InProcessGateway.start(clock, flags.toArray(String[]::new));
            EnvoyStandIn envoy = EnvoyStandIn.builder(EnvoyConfig.single()).grpc("tsgate", g.channel())
                    .cluster("victoriametrics", vm.baseUri()).checkTimeout(Duration.ofSeconds(5)).start();
            stacks.put(b, new Stack(g, envoy));
        }
    }

    @AfterAll
    void stop() {
        stacks.values().forEach(s -> {
            s.envoy().close();
            s.gateway().close();
        });
        if (redis != null) {
            redis.close();
        }
    }

    /** A fresh tenant and team for one test. */
    private record Writer(int account, String team, String token) {
    }

    private Writer writer() throws Exception {
        int account = ACCOUNTS.incrementAndGet();
        String team = "wl-" + account + "-" + System.nanoTime();
        Map<String, Object> access = new LinkedHashMap<>();
        access.put("tenant_id", Map.of("account_id", account, "project_id", 0));
        access.put("extra_labels", Map.of("team", team));
        access.put("mode", 2);
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("it").build(),
                new JWTClaimsSet.Builder().subject("writer").expirationTime(Date.from(clock.instant().plusSeconds(3 * 3600)))
                        .claim("vm_access", access).build());
        jwt.sign(new RSASSASigner(signingKey));
        return new Writer(account, team, jwt.serialize());
    }

    private EnvoyStandIn.Response post(Backend b, Writer w, String path, String encoding, byte[] body) {
        List<String> h = new ArrayList<>(List.of("authorization", "Bearer " + w.token(), "host", "vm"));
        if (encoding != null) {
            h.addAll(List.of("content-encoding", encoding));
        }
        return stacks.get(b).envoy().send(EnvoyStandIn.Downstream.of("POST", path, body, h.toArray(String[]::new)));
    }

    private EnvoyStandIn.Response importLines(Backend b, Writer w, String metric, int lines) {
        StringBuilder s = new StringBuilder();
        for (int i = 1; i <= lines; i++) {
            s.append(metric).append("{n=\"").append(i).append("\"} ").append(i).append('\n');
        }
        return post(b, w, "/api/v1/import/prometheus", null, s.toString().getBytes(StandardCharsets.UTF_8));
    }

    private double rowsCounted(Backend b, Writer w) {
        return stacks.get(b).gateway().metric("tsgate_tenant_rows_inserted_total", "account_id=\"" + w.account() + "\"");
    }

    private double limitHits(Backend b, Writer w) {
        return stacks.get(b).gateway().metric("tsgate_tenant_limit_hits_total", "account_id=\"" + w.account() + "\"");
    }

    /** A refusal says the limit and 0 remaining (LimitDenials: the refused write would not fit). */
    private static void assertTooMany(EnvoyStandIn.Response r) {
        assertEquals(429, r.status(), r.bodyText());
        assertEquals(Long.toString(LIMIT), r.headers().first("ratelimit-limit"), r.headers().toString());
        assertEquals("0", r.headers().first("ratelimit-remaining"), r.headers().toString());
        assertTrue(r.headers().first("retry-after") != null, r.headers().toString());
        assertTrue(r.bodyText().contains("\"errorType\":\"too_many_requests\""), r.bodyText());
    }

    private List<String> seriesNames(Writer w) {
        return vm.querySeries("{team=\"" + w.team() + "\"}").stream().map(s -> s.get("__name__") + "/" + s.get("n"))
                .sorted().toList();
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void underTheLimitIsStoredAndOverItIs429WithNothingStored(Backend b) throws Exception {
        Writer w = writer();
        assertEquals(204, importLines(b, w, "it_wl_a", 6).status());
        assertTooMany(importLines(b, w, "it_wl_b", 5));
        assertEquals(204, importLines(b, w, "it_wl_c", 4).status(), "exactly up to the limit");
        assertTooMany(importLines(b, w, "it_wl_d", 1));
        vm.awaitExported("{team=\"" + w.team() + "\"}", LIMIT);
        // it_wl_c came after the refused it_wl_b, so it_wl_b would be visible had any of it been stored.
        assertEquals(List.of("it_wl_a/1", "it_wl_a/2", "it_wl_a/3", "it_wl_a/4", "it_wl_a/5", "it_wl_a/6",
                "it_wl_c/1", "it_wl_c/2", "it_wl_c/3", "it_wl_c/4"), seriesNames(w));
        assertEquals(LIMIT, rowsCounted(b, w));
        assertEquals(2, limitHits(b, w));
    }

    static Stream<Arguments> backendsAndFormats() {
        List<Arguments> out = new ArrayList<>();
        for (Backend b : Backend.values()) {
            for (Format f : Format.values()) {
                out.add(Arguments.of(b, f));
            }
        }
        return out.stream();
    }

    /** One series with ten samples is ten rows, in every format: the eleventh sample is over the limit. */
    /**
     * The same gateway behind envoy-single.yaml with the catch-all route's {@code body_counting: ext_proc} taken
     * out: the Check no longer knows ext_proc follows, so the limited tenant's write is refused there (403
     * write_not_countable) and never stored or charged. Through the shipped route the same write is allowed at the
     * Check, counted by ext_proc, charged and stored.
     */
    @Test
    void withoutTheRoutesBodyCountingTheCheckRefusesTheWrite() throws Exception {
        Stack shipped = stacks.get(Backend.LOCAL);
        EnvoyConfig unsignalled = EnvoyConfig.single().with(b -> {
            for (var route : b.getRouteConfigBuilder().getVirtualHostsBuilder(0).getRoutesBuilderList()) {
                route.removeTypedPerFilterConfig(EnvoyConfig.EXT_AUTHZ);
            }
            return b;
        });
        try (EnvoyStandIn envoy = EnvoyStandIn.builder(unsignalled).grpc("tsgate", shipped.gateway().channel())
                .cluster("victoriametrics", vm.baseUri()).checkTimeout(Duration.ofSeconds(5)).start()) {
            Writer w = writer();
            EnvoyStandIn.Response refused = envoy.send(EnvoyStandIn.Downstream.of("POST", "/api/v1/import/prometheus",
                    "it_wl_unsignalled 1\n".getBytes(StandardCharsets.UTF_8), "authorization", "Bearer " + w.token(),
                    "host", "vm"));
            assertEquals(403, refused.status(), refused.bodyText());
            assertTrue(refused.bodyText().contains("no write body is counted"), refused.bodyText());
            assertEquals(204, importLines(Backend.LOCAL, w, "it_wl_signalled", 3).status());
            vm.awaitExported("{team=\"" + w.team() + "\"}", 3);
            assertEquals(List.of("it_wl_signalled/1", "it_wl_signalled/2", "it_wl_signalled/3"), seriesNames(w),
                    "the refused write stored nothing");
            assertEquals(3, rowsCounted(Backend.LOCAL, w), "only the write ext_proc counted is charged");
        }
    }

    @ParameterizedTest
    @MethodSource("backendsAndFormats")
    void oneSeriesWithTenSamplesCountsTenRows(Backend b, Format f) throws Exception {
        Writer w = writer();
        long first = (Instant.now().getEpochSecond() - 3600) * 1000;
        EnvoyStandIn.Response ten = post(b, w, f.path, f.encoding, f.oneSeries("it_wl_ten", LIMIT, first));
        assertEquals(204, ten.status(), ten.bodyText());
        assertEquals(LIMIT, rowsCounted(b, w), "rows counted for one series of ten samples");
        assertTooMany(post(b, w, f.path, f.encoding, f.oneSeries("it_wl_one", 1, first)));
        List<JsonNode> exported = vm.awaitExported("{team=\"" + w.team() + "\"}", 1);
        assertEquals(1, exported.size(), exported.toString());
        assertEquals("it_wl_ten", exported.get(0).path("metric").path("__name__").asText());
        assertEquals(LIMIT, exported.get(0).path("values").size(), "samples stored: " + exported);
    }

    /**
     * The clock moves: a tenant that used its hour is refused until the next hour starts, then gets a whole new
     * budget, in the backend's own windows (for Redis, new keys chosen by limit.lua from the time tsgate passes).
     */
    @ParameterizedTest
    @EnumSource(Backend.class)
    void theNextWindowGivesAWholeNewBudget(Backend b) throws Exception {
        Writer w = writer();
        assertEquals(204, importLines(b, w, "it_wl_h1", LIMIT).status());
        assertTooMany(importLines(b, w, "it_wl_h1x", 1));
        Instant nextHour = clock.instant().truncatedTo(ChronoUnit.HOURS).plus(Duration.ofHours(1));
        clock.set(nextHour.minusSeconds(1));
        assertTooMany(importLines(b, w, "it_wl_h1y", 1));
        clock.set(nextHour);
        assertEquals(204, importLines(b, w, "it_wl_h2", LIMIT).status(), "a new hour, a new budget");
        assertTooMany(importLines(b, w, "it_wl_h2x", 1));
        vm.awaitExported("{team=\"" + w.team() + "\"}", 2 * LIMIT);
        assertEquals(2 * LIMIT, seriesNames(w).size(), seriesNames(w).toString());
        assertEquals(2 * LIMIT, rowsCounted(b, w));
    }
}

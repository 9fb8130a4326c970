package io.tsgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.tsgate.Gateway;
import io.tsgate.auth.KeyPairFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The example data planes enforce write limits with a real tsgate and real VictoriaMetrics, through the strict Envoy
 * stand-in: the mirror/hash example refuses an over-limit write before any shard or the mirror stores it, and the
 * Istio sidecar built from examples/istio/ (mesh-config.yaml's ext_authz, ext-proc.yaml's patches) passes a write
 * larger than its check body limit, counts a limited tenant's writes, and still refuses read form bodies it could not
 * check whole.
 */
@ExtendWith(ExternalServers.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ExampleWriteLimitsIT {
    /** The shipped 0.5s Check timeout, widened for a CI machine shared by many builds. */
    private static final Duration SLOW_CI = Duration.ofSeconds(5);
    private static final long LIMITED = 7;
    private static final long UNLIMITED = 8;
    private static final AtomicInteger TEAMS = new AtomicInteger();

    private VictoriaMetricsServer vm;
    private RSAKey signingKey;
    private Gateway gateway;
    private ManagedChannel channel;
    /** Run as examples/istio/tsgate.yaml says to beside ext-proc.yaml: -extAuthz.bodyCounting=ext_proc. */
    private Gateway istioGateway;
    private ManagedChannel istioChannel;

    @BeforeAll
    void start(VictoriaMetricsServer vm, @TempDir Path dir) throws Exception {
        this.vm = vm;
        signingKey = new RSAKeyGenerator(2048).keyID("it").generate();
        Path pem = dir.resolve("it.pem");
        Files.writeString(pem, KeyPairFiles.pem("PUBLIC KEY", signingKey.toPublicKey().getEncoded()));
        Path limits = dir.resolve("limits.yaml");
        // Per hour, so a window rolling over mid-test is an hour boundary away; only tenant 7:0 is limited.
        Files.writeString(limits, "limits:\n  - type: rows_inserted\n    value: 5\n    resolution: hour\n"
                + "    account_id: " + LIMITED + "\n    project_id: 0\n");
        gateway = Gateway.start("-grpcListenAddr=127.0.0.1:0", "-httpListenAddr=127.0.0.1:0", "-enable.auth",
                "-auth.publicKeyFiles=" + pem, "-enable.rateLimit", "-ratelimit.config=" + limits);
        channel = ManagedChannelBuilder.forAddress("127.0.0.1", gateway.grpcPort()).usePlaintext().build();
        istioGateway = Gateway.start("-grpcListenAddr=127.0.0.1:0", "-httpListenAddr=127.0.0.1:0", "-enable.auth",
                "-auth.publicKeyFiles=" + pem, "-enable.rateLimit", "-ratelimit.config=" + limits,
                "-extAuthz.bodyCounting=ext_proc");
        istioChannel = ManagedChannelBuilder.forAddress("127.0.0.1", istioGateway.grpcPort()).usePlaintext().build();
    }

    @AfterAll
    void stop() {
        channel.shutdownNow();
        gateway.close();
        istioChannel.shutdownNow();
        istioGateway.close();
    }

    private EnvoyStandIn istio() throws Exception {
        return istio(istioChannel);
    }

    private EnvoyStandIn istio(ManagedChannel tsgate) throws Exception {
        return EnvoyStandIn.builder(IstioSidecar.envoyConfig()).grpc(IstioSidecar.tsgateCluster(), tsgate)
                .cluster(IstioSidecar.VICTORIAMETRICS_CLUSTER, vm.baseUri()).checkTimeout(SLOW_CI).start();
    }

    /**
     * Istio's ext_authz provider sets no context extension, so a tsgate without -extAuthz.bodyCounting does not know
     * that ext-proc.yaml's filter follows: the limited tenant's write is refused at the Check and nothing is stored.
     */
    @Test
    void istioWithoutTheFlagRefusesALimitedTenantsWrite() throws Exception {
        try (EnvoyStandIn envoy = istio(channel)) {
            String team = "istio-unflagged" + TEAMS.incrementAndGet();
            EnvoyStandIn.Response refused = envoy.send(write(token(LIMITED, team, 2), "it_istio_unflagged 1\n"));
            assertEquals(403, refused.status(), refused.bodyText());
            assertTrue(refused.bodyText().contains("no write body is counted"), refused.bodyText());
            String free = "istio-free" + TEAMS.incrementAndGet();
            assertEquals(204, envoy.send(write(token(UNLIMITED, free, 2), "it_istio_free 1\n")).status());
            vm.flush();
            Await.until("the unlimited write stored", Duration.ofSeconds(15),
                    () -> vm.querySeries("{team=\"" + free + "\"}"), r -> r.size() == 1);
            vm.flush();
            assertEquals(List.of(), vm.querySeries("{team=\"" + team + "\"}"), "nothing of the refused write stored");
        }
    }

    /**
     * vmagent's blocks are larger than the 64 KiB Istio buffers for the check: with allowPartialMessage: false each
     * was 413 from Envoy. Now the check gets the first 64 KiB, marked partial, and the write is stored whole.
     */
    @Test
    void istioPassesAWriteLargerThanItsCheckBodyLimit() throws Exception {
        try (EnvoyStandIn envoy = istio()) {
            String team = "istio-big" + TEAMS.incrementAndGet();
            StringBuilder lines = new StringBuilder();
            for (int i = 0; i < 4000; i++) {
                lines.append("it_istio_big{n=\"").append(i).append("\"} 1\n");
            }
            assertTrue(lines.length() > 65536, "larger than maxRequestBytes");
            EnvoyStandIn.Response r = envoy.send(write(token(UNLIMITED, team, 2), lines.toString()));
            assertEquals(204, r.status(), r.bodyText());
            var http = envoy.lastCheck().request().getAttributes().getRequest().getHttp();
            assertEquals("true", http.getHeadersMap().get("x-envoy-auth-partial-body"), "the check saw part of it");
            assertEquals(65536, http.getRawBody().size(), "packAsBytes: the first maxRequestBytes, raw");
            vm.flush();
            assertEquals(4000, Await.until("every series stored", Duration.ofSeconds(15), () -> {
                vm.flush();
                return vm.querySeries("{team=\"" + team + "\"}");
            }, s -> s.size() >= 4000).size());
        }
    }

    /** ext-proc.yaml's filter after Istio's ext_authz: a limited tenant's rows are counted; over the limit, 429. */
    @Test
    void istioCountsALimitedTenantsWritesWithTheExtProcEnvoyFilter() throws Exception {
        try (EnvoyStandIn envoy = istio()) {
            String team = "istio-limited" + TEAMS.incrementAndGet();
            String token = token(LIMITED, team, 2);
            EnvoyStandIn.Response ok = envoy.send(write(token, "it_istio{n=\"1\"} 1\nit_istio{n=\"2\"} 1\n"));
            assertEquals(204, ok.status(), ok.bodyText());
            assertTrue(envoy.extProc().lastSent().get(1).hasRequestBody(), "the body was counted");
            StringBuilder big = new StringBuilder();
            for (int i = 0; i < 4000; i++) {
                big.append("it_istio{n=\"x").append(i).append("\"} 1\n");
            }
            EnvoyStandIn.Response over = envoy.send(write(token, big.toString()));
            assertEquals(429, over.status(), over.bodyText());
            assertTrue(over.bodyText().contains("rows_inserted"), over.bodyText());
            vm.flush();
            assertEquals(2, Await.until("the allowed write stored", Duration.ofSeconds(15),
                    () -> vm.querySeries("{team=\"" + team + "\"}"), s -> s.size() >= 2).size());
            vm.flush();
            assertEquals(2, vm.querySeries("{team=\"" + team + "\"}").size(), "nothing of the refused write stored");
            assertEquals(List.of(), envoy.extProc().spuriousReplies());
        }
    }

    /**
     * Partial check bodies do not open reads: a form body the check got only part of is refused for a token that
     * restricts labels (tsgate cannot see what the rest sets), a whole one is checked.
     */
    @Test
    void istioRefusesReadFormBodiesItCouldNotCheckWhole() throws Exception {
        try (EnvoyStandIn envoy = istio()) {
            String token = token(UNLIMITED, "istio-read" + TEAMS.incrementAndGet(), 1);
            String tail = "&extra_filters[]=" + "%7Bteam%3D%22other%22%7D";
            String big = "query=up&pad=" + "x".repeat(70_000) + tail;
            EnvoyStandIn.Response partial = envoy.send(form(token, big));
            assertEquals(400, partial.status(), partial.bodyText());
            assertTrue(partial.bodyText().contains("did not forward this form body"), partial.bodyText());

            EnvoyStandIn.Response smuggled = envoy.send(form(token, "query=up" + tail));
            assertEquals(400, smuggled.status(), smuggled.bodyText());
            assertTrue(smuggled.bodyText().contains("extra_filters"), smuggled.bodyText());

            EnvoyStandIn.Response clean = envoy.send(form(token, "query=up"));
            assertEquals(200, clean.status(), clean.bodyText());
        }
    }

    /** examples/envoy/envoy-mirror-hash.yaml: an over-limit write is refused before a shard or the mirror gets it. */
    @Test
    void mirrorHashExampleRefusesAnOverLimitWriteBeforeShardsAndMirror() throws Exception {
        try (VictoriaMetricsServer shard2 = VictoriaMetricsServer.start();
             VictoriaMetricsServer mirror = VictoriaMetricsServer.start();
             EnvoyStandIn envoy = EnvoyStandIn.builder(EnvoyConfig.mirrorHash()).grpc("tsgate", channel)
                     .cluster("victoriametrics-shards", vm.baseUri(), shard2.baseUri())
                     .cluster("victoriametrics-mirror", mirror.baseUri()).checkTimeout(SLOW_CI).start()) {
            String team = "mirror-limited" + TEAMS.incrementAndGet();
            String token = token(LIMITED, team, 2);
            EnvoyStandIn.Response ok = envoy.send(write(token, "it_m{n=\"1\"} 1\nit_m{n=\"2\"} 1\nit_m{n=\"3\"} 1\n"));
            assertEquals(204, ok.status(), ok.bodyText());
            assertEquals("write-sharded-mirrored", envoy.lastForwarded().route());
            String selector = "{team=\"" + team + "\"}";
            assertEquals(3, Await.until("mirrored copy", Duration.ofSeconds(15), () -> {
                mirror.flush();
                return mirror.querySeries(selector);
            }, s -> s.size() >= 3).size());
            int mirroredBefore = envoy.mirrored().size();

            EnvoyStandIn.Response over = envoy.send(write(token, "it_m{n=\"4\"} 1\nit_m{n=\"5\"} 1\nit_m{n=\"6\"} 1\n"));
            assertEquals(429, over.status(), over.bodyText());
            assertEquals(mirroredBefore, envoy.mirrored().size(), "no copy went to the mirror");
            for (VictoriaMetricsServer s : List.of(vm, shard2, mirror)) {
                s.flush();
                assertTrue(s.querySeries(selector).size() <= 3, "nothing of the refused write stored");
            }
            assertEquals(List.of(), envoy.extProc().spuriousReplies());
        }
    }

    private static EnvoyStandIn.Downstream write(String token, String lines) {
        return EnvoyStandIn.Downstream.of("POST", "/api/v1/import/prometheus", lines.getBytes(StandardCharsets.UTF_8),
                "Host", "vm", "Authorization", "Bearer " + token);
    }

    private static EnvoyStandIn.Downstream form(String token, String body) {
        return EnvoyStandIn.Downstream.of("POST", "/api/v1/query", body.getBytes(StandardCharsets.UTF_8), "Host", "vm",
                "Authorization", "Bearer " + token, "Content-Type", "application/x-www-form-urlencoded");
    }

    private String token(long account, String team, int mode) throws Exception {
        Map<String, Object> access = new LinkedHashMap<>();
        access.put("tenant_id", Map.of("account_id", account, "project_id", 0));
        access.put("extra_labels", Map.of("team", team));
        access.put("mode", mode);
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("it").build(),
                new JWTClaimsSet.Builder().subject("it").expirationTime(Date.from(Instant.now().plusSeconds(600)))
                        .claim("vm_access", access).build());
        jwt.sign(new RSASSASigner(signingKey));
        return jwt.serialize();
    }
}

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
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tsgate.Gateway;
import io.tsgate.auth.KeyPairFiles;
import io.tsgate.ingest.WriteBodyCounter;
import io.tsgate.limits.UnlimitedLimiter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Outside review (attacker's view): a token confined to {@code team=<mine>} writes a series labelled
 * {@code team=<victim>} through the Envoy data plane with ext_proc. Client → {@link EnvoyStandIn} (real tsgate
 * ext_authz, tsgate's ext_proc, no rate limits) → real VictoriaMetrics 1.79.5. The Datadog body carries 28 tags, one of
 * them the victim's team: with the metric name and host that is 30 labels, and 1.79.5 appends {@code extra_label}
 * after them and keeps the first 30 (app/vminsert/datadog/request_handler.go insertRows at v1.79.5), so the token's
 * label is dropped. ext_proc reads the body of every confined write it can decode to stop this
 * ({@code write_too_many_labels}); a format it cannot decode must not pass unread.
 */
@ExtendWith(ExternalServers.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AttackConfinedUnreadWriteIT {
    private VictoriaMetricsServer vm;
    private Gateway gateway;
    private ManagedChannel authzChannel;
    private Server extProcServer;
    private ManagedChannel extProcChannel;
    private EnvoyStandIn envoy;
    private RSAKey signingKey;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    void start(VictoriaMetricsServer vm, @TempDir Path keys) throws Exception {
        this.vm = vm;
        signingKey = new RSAKeyGenerator(2048).keyID("it").generate();
        Path pem = keys.resolve("it.pem");
        Files.writeString(pem, KeyPairFiles.pem("PUBLIC KEY", signingKey.toPublicKey().getEncoded()));
        gateway = Gateway.start("-grpcListenAddr=127.0.0.1:0", "-httpListenAddr=127.0.0.1:0", "-enable.auth",
                "-auth.publicKeyFiles=" + pem);
        authzChannel = ManagedChannelBuilder.forAddress("127.0.0.1", gateway.grpcPort()).usePlaintext().build();
        String name = InProcessServerBuilder.generateName();
        PrometheusRegistry registry = new PrometheusRegistry();
        extProcServer = InProcessServerBuilder.forName(name).directExecutor()
                .addService(io.tsgate.envoy.ExtProcServices.of(new WriteBodyCounter(8 << 20, 32 << 20),
                        new io.tsgate.envoy.WriteCountingPool(1, 4, Duration.ofSeconds(30), registry),
                        new UnlimitedLimiter(), true, registry, Map.of()))
                .build().start();
        extProcChannel = InProcessChannelBuilder.forName(name).directExecutor().build();
        envoy = EnvoyStandIn.builder(EnvoyConfig.single()).grpc("tsgate", authzChannel).extProcChannel(extProcChannel)
                .cluster("victoriametrics", vm.baseUri()).checkTimeout(Duration.ofSeconds(5)).start();
    }

    @AfterAll
    void stop() {
        if (envoy != null) {
            envoy.close();
        }
        if (extProcChannel != null) {
            extProcChannel.shutdownNow();
        }
        if (extProcServer != null) {
            extProcServer.shutdownNow();
        }
        if (authzChannel != null) {
            authzChannel.shutdownNow();
        }
        if (gateway != null) {
            gateway.close();
        }
    }

    @Test
    void datadogSeriesWithThirtyLabelsDoesNotEscapeTheTokensTeam() throws Exception {
        String run = "atk_dd_" + System.nanoTime();
        StringBuilder tags = new StringBuilder("\"team:victim\"");
        for (int i = 0; i < 27; i++) {
            tags.append(",\"t").append(i).append(":v\"");
        }
        String body = "{\"series\":[{\"metric\":\"" + run + "\",\"host\":\"h\",\"points\":[["
                + Instant.now().getEpochSecond() + ",1]],\"tags\":[" + tags + "]}]}";
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(envoy.baseUri() + "/datadog/api/v1/series"))
                .header("Authorization", "Bearer " + token("mine"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .timeout(Duration.ofSeconds(15)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 202) {
            // Let through: show what VictoriaMetrics stored (the token's team, or the victim's).
            vm.flush();
            List<Map<String, String>> stored = Await.until("series", Duration.ofSeconds(10),
                    () -> vm.querySeries("{__name__=\"" + run + "\"}"), s -> !s.isEmpty());
            assertTrue(stored.stream().allMatch(s -> "mine".equals(s.get("team"))),
                    "a token confined to team=mine stored " + stored);
            return;
        }
        assertEquals(403, r.statusCode(), r.body());
        assertTrue(r.body().contains("cannot be read to check that the confinement holds"), r.body());
    }

    private String token(String team) throws Exception {
        Map<String, Object> access = new LinkedHashMap<>();
        access.put("tenant_id", Map.of("account_id", 0, "project_id", 0));
        access.put("extra_labels", Map.of("team", team));
        access.put("mode", 2);
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("it").build(),
                new JWTClaimsSet.Builder().subject("attacker").expirationTime(Date.from(Instant.now().plusSeconds(600)))
                        .claim("vm_access", access).build());
        jwt.sign(new RSASSASigner(signingKey));
        return jwt.serialize();
    }
}

package io.tsgate.it;

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
import io.tsgate.envoy.ExtProcService;
import io.tsgate.ingest.Fixtures;
import io.tsgate.ingest.WriteBodyCounter;
import io.tsgate.limits.LimitFile;
import io.tsgate.limits.LimitRules;
import io.tsgate.limits.Limiter;
import io.tsgate.limits.LocalLimiter;
import io.tsgate.limits.RowBudgetLimiter;
import io.tsgate.request.Tenant;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Outside review (attacker's view): write bodies that real VictoriaMetrics 1.79.5 stores as more rows or series than
 * tsgate counted while ext_proc answered CONTINUE. Client → {@link EnvoyStandIn} (real tsgate ext_authz, tsgate's
 * ext_proc) → real VictoriaMetrics. Each test fails today.
 */
@ExtendWith(ExternalServers.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AttackWriteAccountingIT {
    private static final Tenant TENANT = new Tenant(0, 0);

    private VictoriaMetricsServer vm;
    private Gateway gateway;
    private ManagedChannel authzChannel;
    private RSAKey signingKey;
    private Server extProcServer;
    private ManagedChannel extProcChannel;
    private EnvoyStandIn envoy;
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
    }

    private void withLimiter(Limiter limiter) throws Exception {
        stopExtProc();
        String name = InProcessServerBuilder.generateName();
        PrometheusRegistry registry = new PrometheusRegistry();
        extProcServer = InProcessServerBuilder.forName(name).directExecutor()
                .addService(io.tsgate.envoy.ExtProcServices.of(new WriteBodyCounter(8 << 20, 32 << 20),
                        new io.tsgate.envoy.WriteCountingPool(1, 4, Duration.ofSeconds(30), registry), limiter, true,
                        registry, Map.of()))
                .build().start();
        extProcChannel = InProcessChannelBuilder.forName(name).directExecutor().build();
        envoy = EnvoyStandIn.builder(EnvoyConfig.single()).grpc("tsgate", authzChannel).extProcChannel(extProcChannel)
                .cluster("victoriametrics", vm.baseUri()).checkTimeout(Duration.ofSeconds(5)).start();
    }

    @AfterEach
    void stopExtProc() {
        if (envoy != null) {
            envoy.close();
        }
        if (extProcChannel != null) {
            extProcChannel.shutdownNow();
        }
        if (extProcServer != null) {
            extProcServer.shutdownNow();
        }
    }

    @AfterAll
    void stop() {
        if (authzChannel != null) {
            authzChannel.shutdownNow();
        }
        if (gateway != null) {
            gateway.close();
        }
    }

    /**
     * Two Content-Encoding headers, {@code identity} then {@code gzip}: Envoy hands ext_proc both entries
     * (content-encoding is no inline header, so it is not comma-joined), tsgate keeps the last and un-gzips; Go's
     * {@code Header.Get} (VictoriaMetrics) reads the first and parses the raw bytes, storing the 50 lines hidden in
     * the gzip FCOMMENT header. Row limit 5; tsgate counts 1 row and answers CONTINUE.
     */
    @Test
    void repeatedContentEncodingHeadersHideRows() throws Exception {
        RowBudgetLimiter limiter = new RowBudgetLimiter(Map.of(TENANT, 5L), null);
        withLimiter(limiter);
        String team = "atk-ce-" + System.nanoTime();
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(envoy.baseUri() + "/api/v1/import/prometheus"))
                .header("Authorization", "Bearer " + token(Map.of("team", team)))
                .header("Content-Encoding", "identity").header("Content-Encoding", "gzip")
                .POST(HttpRequest.BodyPublishers.ofByteArray(hiddenInGzipComment(50)))
                .timeout(Duration.ofSeconds(15)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 204) {
            return; // refused: the attack failed
        }
        vm.flush();
        List<Map<String, String>> stored = Await.until("series", Duration.ofSeconds(10),
                () -> vm.querySeries("{team=\"" + team + "\"}"), s -> !s.isEmpty());
        assertTrue(stored.size() <= limiter.used(TENANT), "VictoriaMetrics stored " + stored.size()
                + " rows, tsgate counted " + limiter.used(TENANT) + " (limit 5) and answered CONTINUE");
    }

    /**
     * {@code extra_label==name} (empty label name): VictoriaMetrics 1.79.5 (lib/protoparser/common/extra_labels.go)
     * accepts it and an empty label name is the metric name, so every sample is renamed; tsgate's ext_proc drops an
     * {@code extra_label} whose '=' is at 0 and hashes the series under its original name. The same one-line body
     * written ten times with ten names makes ten series in VictoriaMetrics; tsgate sees one new series, under a
     * new_series limit of 3.
     */
    @Test
    void emptyNameExtraLabelRenamesSeriesUncounted() throws Exception {
        LimitRules rules = LimitFile.parse("limits: [{type: new_series, value: 3, resolution: hour}]", "attack");
        withLimiter(new LocalLimiter(Clock.systemUTC(), () -> rules));
        String run = "atk_ren_" + System.nanoTime();
        String token = token(Map.of());
        int allowed = 0;
        for (int i = 0; i < 10; i++) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(
                            URI.create(envoy.baseUri() + "/api/v1/import/prometheus?extra_label==" + run + "_" + i))
                    .header("Authorization", "Bearer " + token)
                    .POST(HttpRequest.BodyPublishers.ofString(run + "_orig{a=\"1\"} 1\n"))
                    .timeout(Duration.ofSeconds(15)).build(), HttpResponse.BodyHandlers.ofString());
            allowed += r.statusCode() == 204 ? 1 : 0;
        }
        vm.flush();
        int expect = allowed;
        List<Map<String, String>> stored = Await.until("series", Duration.ofSeconds(10),
                () -> vm.querySeries("{__name__=~\"" + run + "_.*\"}"), s -> s.size() >= Math.min(expect, 4));
        assertTrue(stored.size() <= 3, "new_series limit 3, but " + allowed + " writes were allowed and "
                + "VictoriaMetrics stored " + stored.size() + " new series: " + stored);
    }

    static byte[] hiddenInGzipComment(int n) {
        byte[] gz = Fixtures.gzip("atk_small 1\n".getBytes(StandardCharsets.UTF_8));
        StringBuilder s = new StringBuilder("\n");
        for (int i = 0; i < n; i++) {
            s.append("atk_hidden{n=\"").append(i).append("\"} 1\n");
        }
        byte[] lines = s.toString().getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[gz.length + lines.length + 1];
        System.arraycopy(gz, 0, out, 0, 10);
        out[3] |= 0x10; // FCOMMENT
        System.arraycopy(lines, 0, out, 10, lines.length);
        System.arraycopy(gz, 10, out, 11 + lines.length, gz.length - 10);
        return out;
    }

    private String token(Map<String, String> labels) throws Exception {
        Map<String, Object> access = new LinkedHashMap<>();
        access.put("tenant_id", Map.of("account_id", TENANT.accountId(), "project_id", TENANT.projectId()));
        if (!labels.isEmpty()) {
            access.put("extra_labels", labels);
        }
        access.put("mode", 2);
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("it").build(),
                new JWTClaimsSet.Builder().subject("attacker").expirationTime(Date.from(Instant.now().plusSeconds(600)))
                        .claim("vm_access", access).build());
        jwt.sign(new RSASSASigner(signingKey));
        return jwt.serialize();
    }
}

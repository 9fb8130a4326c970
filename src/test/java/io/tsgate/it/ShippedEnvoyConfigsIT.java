package io.tsgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.tsgate.Gateway;
import io.tsgate.auth.KeyPairFiles;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped Envoy configs end to end with a real tsgate, through the strict {@link EnvoyStandIn} (Envoy v1.34
 * semantics): the single-node write route with request trailers, cluster mode's rewritten routes to vmselect and
 * vminsert, and the mirror/hash example over three real VictoriaMetrics.
 */
@ExtendWith(ExternalServers.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ShippedEnvoyConfigsIT {
    /** The shipped 0.5s Check timeout, widened for a CI machine shared by many builds. */
    private static final Duration SLOW_CI = Duration.ofSeconds(5);
    private static final AtomicInteger TEAMS = new AtomicInteger();

    private VictoriaMetricsServer vm;
    private RSAKey signingKey;
    private Path pem;
    private Path limits;

    @BeforeAll
    void start(VictoriaMetricsServer vm, @TempDir Path dir) throws Exception {
        this.vm = vm;
        signingKey = new RSAKeyGenerator(2048).keyID("it").generate();
        pem = dir.resolve("it.pem");
        Files.writeString(pem, KeyPairFiles.pem("PUBLIC KEY", signingKey.toPublicKey().getEncoded()));
        limits = dir.resolve("limits.yaml");
        // Per hour, so a window rolling over mid-test is an hour boundary away, not a minute.
        Files.writeString(limits, "limits:\n  - type: rows_inserted\n    value: 5\n    resolution: hour\n");
    }

    private Gateway gateway(String... more) throws Exception {
        List<String> flags = new ArrayList<>(List.of("-grpcListenAddr=127.0.0.1:0", "-httpListenAddr=127.0.0.1:0",
                "-enable.auth", "-auth.publicKeyFiles=" + pem));
        flags.addAll(List.of(more));
        return Gateway.start(flags.toArray(String[]::new));
    }

    private static ManagedChannel channel(Gateway g) {
        return ManagedChannelBuilder.forAddress("127.0.0.1", g.grpcPort()).usePlaintext().build();
    }

    /**
     * A write with request trailers: Envoy sends its one BUFFERED body message with end_of_stream=false. tsgate counts
     * it and answers (before, Envoy's 504); the next write over the limit is 429 and stores nothing.
     */
    @Test
    void writeWithTrailersIsCountedAndStoredThroughTheSingleNodeConfig() throws Exception {
        try (Gateway g = gateway("-enable.rateLimit", "-ratelimit.config=" + limits)) {
            ManagedChannel ch = channel(g);
            try (EnvoyStandIn envoy = EnvoyStandIn.builder(EnvoyConfig.single()).grpc("tsgate", ch)
                    .cluster("victoriametrics", vm.baseUri()).checkTimeout(SLOW_CI).start()) {
                String team = "trailers" + TEAMS.incrementAndGet();
                String token = token(7, team, 2);
                EnvoyStandIn.Response r = envoy.send(write("/api/v1/import/prometheus", token,
                        "it_trailer{n=\"1\"} 1\nit_trailer{n=\"2\"} 2\nit_trailer{n=\"3\"} 3\n").withTrailers("x-checksum", "c1"));
                assertEquals(204, r.status(), r.bodyText());
                assertFalse(envoy.extProc().lastSent().get(1).getRequestBody().getEndOfStream(),
                        "Envoy's body message before trailers");
                vm.flush();
                assertEquals(3, Await.until("3 series stored", Duration.ofSeconds(10),
                        () -> vm.querySeries("{team=\"" + team + "\"}"), s -> s.size() >= 3).size());

                EnvoyStandIn.Response over = envoy.send(write("/api/v1/import/prometheus", token,
                        "it_trailer{n=\"4\"} 1\nit_trailer{n=\"5\"} 1\nit_trailer{n=\"6\"} 1\n").withTrailers("x-checksum", "c2"));
                assertEquals(429, over.status(), over.bodyText());
                vm.flush();
                assertEquals(3, vm.querySeries("{team=\"" + team + "\"}").size(), "nothing of the refused write stored");
                assertEquals(List.of(), envoy.extProc().spuriousReplies());
            } finally {
                ch.shutdownNow();
            }
        }
    }

    /**
     * envoy/envoy-cluster.yaml with tsgate -clusterMode: reads reach vmselect under /select/, writes vminsert under
     * /insert/ after ext_proc counted them (the re-picked insert route keeps ext_proc; select disables it). Debian
     * ships no vmselect/vminsert, so recording servers stand for them.
     */
    @Test
    void clusterModeRoutesRewrittenRequestsToSelectAndInsert() throws Exception {
        List<String> select = new CopyOnWriteArrayList<>();
        List<String> insert = new CopyOnWriteArrayList<>();
        HttpServer vmselect = recorder(select);
        HttpServer vminsert = recorder(insert);
        try (Gateway g = gateway("-clusterMode", "-enable.rateLimit", "-ratelimit.config=" + limits)) {
            ManagedChannel ch = channel(g);
            try (EnvoyStandIn envoy = EnvoyStandIn.builder(EnvoyConfig.cluster()).grpc("tsgate", ch)
                    .cluster("vmselect", uri(vmselect)).cluster("vminsert", uri(vminsert)).checkTimeout(SLOW_CI).start()) {
                String team = "cluster" + TEAMS.incrementAndGet();
                EnvoyStandIn.Response read = envoy.send(EnvoyStandIn.Downstream.of("GET", "/api/v1/query?query=up",
                        new byte[0], "Host", "vm", "Authorization", "Bearer " + token(3, team, 0)));
                assertEquals(204, read.status(), read.bodyText());
                assertEquals("/select/3:0/prometheus/api/v1/query?query=up&extra_label=team%3D" + team, select.get(0));
                assertTrue(envoy.extProc().lastSent().isEmpty(), "select route: ext_proc disabled");

                EnvoyStandIn.Response w = envoy.send(write("/api/v1/import/prometheus", token(3, team, 0),
                        "m{a=\"1\"} 1\nm{a=\"2\"} 1\n"));
                assertEquals(204, w.status(), w.bodyText());
                assertEquals("/insert/3:0/prometheus/api/v1/import/prometheus?extra_label=team%3D" + team, insert.get(0));
                assertTrue(envoy.extProc().lastSent().get(1).hasRequestBody(), "insert route: counted by ext_proc");

                EnvoyStandIn.Response over = envoy.send(write("/api/v1/import/prometheus", token(3, team, 0),
                        "m{a=\"3\"} 1\nm{a=\"4\"} 1\nm{a=\"5\"} 1\nm{a=\"6\"} 1\n"));
                assertEquals(429, over.status(), over.bodyText());
                assertEquals(1, insert.size(), "the refused write never reached vminsert");
                assertEquals(List.of(), envoy.extProc().spuriousReplies());
            } finally {
                ch.shutdownNow();
            }
        } finally {
            vmselect.stop(0);
            vminsert.stop(0);
        }
    }

    /**
     * examples/envoy/envoy-mirror-hash.yaml: a tenant's write lands on exactly one shard (hash of x-tsgate-tenant,
     * set by tsgate after the client's copy is removed) and on the mirror; its reads come from that shard.
     */
    @Test
    void mirrorHashExampleShardsTenantsAndMirrorsWrites() throws Exception {
        try (VictoriaMetricsServer shard2 = VictoriaMetricsServer.start();
             VictoriaMetricsServer mirror = VictoriaMetricsServer.start();
             Gateway g = gateway()) {
            ManagedChannel ch = channel(g);
            try (EnvoyStandIn envoy = EnvoyStandIn.builder(EnvoyConfig.mirrorHash()).grpc("tsgate", ch)
                    .cluster("victoriametrics-shards", vm.baseUri(), shard2.baseUri())
                    .cluster("victoriametrics-mirror", mirror.baseUri()).checkTimeout(SLOW_CI).start()) {
                String team = "mirror" + TEAMS.incrementAndGet();
                String token = token(11, team, 0);
                EnvoyStandIn.Response w = envoy.send(EnvoyStandIn.Downstream.of("POST", "/api/v1/import/prometheus",
                        "it_mirrored 1\n".getBytes(StandardCharsets.UTF_8), "Host", "vm", "Authorization",
                        "Bearer " + token, "x-tsgate-tenant", "forged"));
                assertEquals(204, w.status(), w.bodyText());
                assertEquals("write-sharded-mirrored", envoy.lastForwarded().route());
                String selector = "{team=\"" + team + "\"}";
                mirror.flush();
                assertEquals(1, Await.until("mirrored copy", Duration.ofSeconds(15), () -> {
                    mirror.flush();
                    return mirror.querySeries(selector);
                }, s -> !s.isEmpty()).size());
                vm.flush();
                shard2.flush();
                VictoriaMetricsServer owner = envoy.lastForwarded().endpoint().equals(vm.baseUri()) ? vm : shard2;
                VictoriaMetricsServer other = owner == vm ? shard2 : vm;
                assertEquals(1, Await.until("write on its shard", Duration.ofSeconds(10),
                        () -> owner.querySeries(selector), s -> !s.isEmpty()).size());
                assertEquals(List.of(), other.querySeries(selector), "one shard per tenant");

                EnvoyStandIn.Response r = envoy.send(EnvoyStandIn.Downstream.of("GET",
                        "/api/v1/series?match[]=it_mirrored", new byte[0], "Host", "vm", "Authorization", "Bearer " + token));
                assertEquals(200, r.status(), r.bodyText());
                assertTrue(r.bodyText().contains(team), r.bodyText());
                assertEquals(owner.baseUri(), envoy.lastForwarded().endpoint(), "reads go where the writes went");
            } finally {
                ch.shutdownNow();
            }
        }
    }

    private static EnvoyStandIn.Downstream write(String target, String token, String lines) {
        return EnvoyStandIn.Downstream.of("POST", target, lines.getBytes(StandardCharsets.UTF_8), "Host", "vm",
                "Authorization", "Bearer " + token);
    }

    private static HttpServer recorder(List<String> targets) throws java.io.IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        s.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            targets.add(exchange.getRequestURI().toString());
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        s.start();
        return s;
    }

    private static URI uri(HttpServer s) {
        return URI.create("http://127.0.0.1:" + s.getAddress().getPort());
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

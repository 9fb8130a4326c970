package io.tsgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Faults under tsgate while Checks stream at it ({@link CheckLoad}): each asserts that no Check gets a wrong decision
 * or fails, that tsgate stays ready and shows the documented degraded behaviour, and that it recovers without a
 * restart. (SIGTERM under load is {@code GracefulShutdownIT}.)
 */
class FaultsUnderLoadIT {
    /** Fixed inside one minute window, so no window boundary falls inside a test. */
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2030-01-01T00:00:05Z"), ZoneOffset.UTC);
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final int CHECKS_PER_PHASE = 200;

    @TempDir
    Path dir;

    private String limited;
    private String unlimited;
    private Path pem;

    private void keys() throws Exception {
        JwksFixtures.SigningKey key = JwksFixtures.rsa("it");
        pem = dir.resolve("it.pem");
        Files.writeString(pem, KeyPairFiles.pem("PUBLIC KEY", key.publicJwk().toRSAKey().toPublicKey().getEncoded()));
        limited = "Bearer " + key.token(1, 0, CLOCK.instant().plusSeconds(3600));
        unlimited = "Bearer " + key.token(2, 0, CLOCK.instant().plusSeconds(3600));
    }

    private static Gateway start(String... flags) throws Exception {
        List<String> args = new ArrayList<>(List.of("-grpcListenAddr=127.0.0.1:0", "-httpListenAddr=127.0.0.1:0",
                "-enable.auth", "-enable.rateLimit"));
        args.addAll(List.of(flags));
        return Gateway.start(GatewayConfig.from(FlagParser.parse(args, Map.of())), CLOCK);
    }

    /** The unlimited tenant always passes; no credential, or a forged one, always gets 401. */
    private List<CheckLoad.Kind> kinds(Set<String> limitedMay) {
        return List.of(new CheckLoad.Kind("limited tenant", limited, limitedMay),
                new CheckLoad.Kind("unlimited tenant", unlimited, Set.of("200")),
                new CheckLoad.Kind("no credential", null, Set.of("401")),
                new CheckLoad.Kind("forged token", limited.substring(0, limited.length() - 4) + "AAAA", Set.of("401")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"open", "closed"})
    void redisKilledAndRestartedUnderLoad(String mode) throws Exception {
        keys();
        Path limits = dir.resolve("limits.yaml");
        Files.writeString(limits, "limits: [{type: queries, value: 50, resolution: minute, account_id: 1, project_id: 0}]");
        Set<String> limitedMay = mode.equals("open") ? Set.of("200", "429:limit_queries")
                : Set.of("200", "429:limit_queries", "429:limit_backend_unavailable");
        try (RedisServer redis = RedisServer.start();
             Gateway g = start("-auth.publicKeyFiles=" + pem, "-ratelimit.config=" + limits,
                     "-ratelimit.backend=redis", "-redis.url=" + redis.uri(), "-redis.timeout=500ms",
                     "-ratelimit.failureMode=" + mode, "-ratelimit.configCheckInterval=0")) {
            ManagedChannel ch = ManagedChannelBuilder.forAddress("127.0.0.1", g.grpcPort()).usePlaintext().build();
            try (CheckLoad load = CheckLoad.start(ch, 2, kinds(limitedMay))) {
                load.awaitMore("Redis up", CHECKS_PER_PHASE, WAIT);
                assertEquals("429:limit_queries", CheckLoad.answer(CheckLoad.query(ch, limited)), "the limit counts");

                redis.kill();
                Await.until("the outage in tsgate_ratelimit_backend_up", WAIT, () -> metrics(g),
                        m -> m.contains("tsgate_ratelimit_backend_up{backend=\"redis\"} 0"));
                load.awaitMore("Redis down", CHECKS_PER_PHASE, WAIT);
                assertEquals(mode.equals("open") ? "200" : "429:limit_backend_unavailable",
                        CheckLoad.answer(CheckLoad.query(ch, limited)), "-ratelimit.failureMode=" + mode);
                assertEquals(200, status(g, "/ready"), "a limiter outage does not make tsgate unready");

                redis.startAgain(); // empty: the counters are gone
                Await.until("the backend back in tsgate_ratelimit_backend_up", WAIT, () -> metrics(g),
                        m -> m.contains("tsgate_ratelimit_backend_up{backend=\"redis\"} 1"));
                Await.until("the limit to count again", WAIT, () -> CheckLoad.answer(CheckLoad.query(ch, limited)),
                        "429:limit_queries"::equals);
                load.awaitMore("Redis back", CHECKS_PER_PHASE, WAIT);
            } finally {
                ch.shutdownNow();
            }
        }
    }

    @Test
    void limitFileCorruptedThenFixedUnderLoad() throws Exception {
        keys();
        Path limits = dir.resolve("limits.yaml");
        Files.writeString(limits, "limits: [{type: queries, value: 1000000, resolution: minute, account_id: 1, project_id: 0}]");
        try (Gateway g = start("-auth.publicKeyFiles=" + pem, "-ratelimit.config=" + limits,
                "-ratelimit.configCheckInterval=200ms")) {
            ManagedChannel ch = ManagedChannelBuilder.forAddress("127.0.0.1", g.grpcPort()).usePlaintext().build();
            try (CheckLoad load = CheckLoad.start(ch, 2, kinds(Set.of("200", "429:limit_queries")))) {
                load.awaitMore("valid limits", CHECKS_PER_PHASE, WAIT);

                replace(limits, "limits: [{type: querys, value: 1, resolution: minute, account_id: 1}]");
                Await.until("the failed reload in tsgate_config_last_reload_successful", WAIT, () -> metrics(g),
                        m -> m.contains("tsgate_config_last_reload_successful{config=\"ratelimit\"} 0"));
                load.awaitMore("corrupted file", CHECKS_PER_PHASE, WAIT);
                assertEquals("200", CheckLoad.answer(CheckLoad.query(ch, limited)), "the last good limits stay");
                assertEquals(200, status(g, "/ready"));

                replace(limits, "limits: [{type: queries, value: 1, resolution: minute, account_id: 1, project_id: 0}]");
                Await.until("the fixed file in force", WAIT, () -> CheckLoad.answer(CheckLoad.query(ch, limited)),
                        "429:limit_queries"::equals);
                load.awaitMore("fixed file", CHECKS_PER_PHASE, WAIT);
            } finally {
                ch.shutdownNow();
            }
        }
    }

    /**
     * The JWKS endpoint fails (its document gone: 404) and comes back with a new key: tokens of the last good keys
     * keep passing through the outage, tsgate stays ready, refresh errors show in the metrics, and the new key is
     * taken without restart.
     */
    @Test
    void jwksEndpointDownThenBackUnderLoad() throws Exception {
        JwksFixtures.SigningKey oldKey = JwksFixtures.rsa("old");
        JwksFixtures.SigningKey newKey = JwksFixtures.p256("new");
        Instant exp = Instant.now().plus(Duration.ofHours(1));
        String oldToken = "Bearer " + oldKey.token(1, 5, exp);
        String newToken = "Bearer " + newKey.token(1, 5, exp);
        try (NginxServer nginx = NginxServer.start(port -> "server { listen 127.0.0.1:" + port
                + "; location / { root {root}; } }")) {
            Path jwks = nginx.root().resolve("jwks.json");
            replace(jwks, JwksFixtures.jwks(oldKey));
            Files.setPosixFilePermissions(jwks, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
            String url = nginx.baseUri() + "/jwks.json";
            try (InProcessGateway g = InProcessGateway.start("-auth.jwksEndpoints=" + url,
                    "-auth.jwksRefreshInterval=500ms", "-auth.jwksMinRefreshInterval=200ms")) {
                Await.until("/ready", WAIT, g::readyStatus, s -> s == 200);
                List<CheckLoad.Kind> kinds = List.of(new CheckLoad.Kind("token of the published key", oldToken, Set.of("200")),
                        new CheckLoad.Kind("token of the key published later", newToken, Set.of("200", "401")),
                        new CheckLoad.Kind("no credential", null, Set.of("401")),
                        new CheckLoad.Kind("forged token", oldToken.substring(0, oldToken.length() - 4) + "AAAA",
                                Set.of("401")));
                try (CheckLoad load = CheckLoad.start(g.channel(), 2, kinds)) {
                    load.awaitMore("JWKS served", CHECKS_PER_PHASE, WAIT);

                    Files.delete(jwks);
                    double errors = g.metric("tsgate_auth_jwks_refresh_errors_total", url);
                    Await.until("refresh failures in the metric", WAIT,
                            () -> g.metric("tsgate_auth_jwks_refresh_errors_total", url), v -> v >= errors + 2);
                    load.awaitMore("JWKS down", CHECKS_PER_PHASE, WAIT);
                    assertEquals(200, g.readyStatus(), "the last good keys still decide: ready");

                    replace(jwks, JwksFixtures.jwks(oldKey, newKey));
                    Files.setPosixFilePermissions(jwks, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
                    Await.until("the new key taken", WAIT, () -> CheckLoad.answer(CheckLoad.query(g.channel(), newToken)),
                            "200"::equals);
                    load.awaitMore("JWKS back", CHECKS_PER_PHASE, WAIT);
                }
            }
        }
    }

    /**
     * The datasource (a real VictoriaMetrics) killed and started again on its port: the limited tenant passes by
     * {@code -ratelimit.failureMode=open} meanwhile, tsgate stays ready and reports the outage, and the backend is
     * used again without restart.
     */
    @Test
    void datasourceDownThenBackUnderLoad() throws Exception {
        keys();
        Path limits = dir.resolve("limits.yaml");
        Files.writeString(limits, "limits: [{type: queries, value: 1000000, resolution: minute, account_id: 1, project_id: 0}]");
        Path binary = DebianPackages.ensureInstalled(VictoriaMetricsServer.BINARY, VictoriaMetricsServer.PACKAGE);
        FreePort.Started<ManagedProcess> vm = FreePort.retrying(1, ports -> victoriaMetrics(binary, ports[0]));
        int port = vm.port(0);
        ManagedProcess victoria = vm.server();
        try (Gateway g = start("-auth.publicKeyFiles=" + pem, "-ratelimit.config=" + limits,
                "-ratelimit.backend=datasource", "-datasource.url=http://127.0.0.1:" + port,
                "-ratelimit.refreshInterval=500ms")) {
            ManagedChannel ch = ManagedChannelBuilder.forAddress("127.0.0.1", g.grpcPort()).usePlaintext().build();
            try (CheckLoad load = CheckLoad.start(ch, 2, kinds(Set.of("200", "429:limit_queries")))) {
                Await.until("the datasource answering", WAIT, () -> metrics(g),
                        m -> m.contains("tsgate_ratelimit_backend_up{backend=\"datasource\"} 1"));
                load.awaitMore("datasource up", CHECKS_PER_PHASE, WAIT);

                victoria.kill();
                Await.until("the outage in tsgate_ratelimit_backend_up", WAIT, () -> metrics(g),
                        m -> m.contains("tsgate_ratelimit_backend_up{backend=\"datasource\"} 0"));
                load.awaitMore("datasource down", CHECKS_PER_PHASE, WAIT);
                assertEquals("200", CheckLoad.answer(CheckLoad.query(ch, limited)), "-ratelimit.failureMode=open");
                assertEquals(200, status(g, "/ready"), "a limiter outage does not make tsgate unready");

                victoria = victoriaMetrics(binary, port);
                Await.until("the datasource back in tsgate_ratelimit_backend_up", WAIT, () -> metrics(g),
                        m -> m.contains("tsgate_ratelimit_backend_up{backend=\"datasource\"} 1"));
                load.awaitMore("datasource back", CHECKS_PER_PHASE, WAIT);
            } finally {
                ch.shutdownNow();
            }
        } finally {
            victoria.close();
        }
    }

    private ManagedProcess victoriaMetrics(Path binary, int port) throws java.io.IOException {
        HttpClient probe = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        return ManagedProcess.start("victoria-metrics", List.of(binary.toString(), "-httpListenAddr=127.0.0.1:" + port,
                        "-storageDataPath=" + dir.resolve("vm-data")), dir.resolve("vm-" + port + ".log"),
                Duration.ofSeconds(60), () -> {
                    try {
                        return probe.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
                                .build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
                    } catch (Exception e) {
                        return false;
                    }
                });
    }

    /** Replaces a file in one step, as a config management tool does, so no reload reads half of it. */
    private static void replace(Path file, String content) throws Exception {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, content);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private static int status(Gateway g, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + g.httpPort() + path)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
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

package io.tsgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.tsgate.cli.ApiKeyCommand;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * API keys end to end: {@code tsgate apikey create} → the key works → revoking it (editing the file, or HDEL in
 * Redis) rejects it within a sync interval; a corrupt file or an unreachable Redis keeps the last good set; Redis
 * down at start keeps /ready false. Redis is a real redis-server.
 */
class ApiKeysIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String QUERY = "/api/v1/query?query=up";

    @TempDir
    Path dir;

    private static String create(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = ApiKeyCommand.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        return out.toString(StandardCharsets.UTF_8).trim();
    }

    private static void replace(Path file, String content) throws Exception {
        Path tmp = file.resolveSibling(file.getFileName() + ".new");
        Files.writeString(tmp, content);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static String pathOf(CheckResponse r) {
        return r.getOkResponse().getHeadersList().stream().filter(h -> h.getHeader().getKey().equals(":path"))
                .map(h -> h.getHeader().getValue()).findFirst().orElse("");
    }

    @Test
    void fileKeyCreatedUsedRevokedAndACorruptFileKeepsTheLastGoodSet() throws Exception {
        Path file = dir.resolve("apikeys.yaml");
        String writer = create("create", "ingest-a", "-file=" + file, "-account=7", "-project=3", "-mode=write");
        String reader = create("create", "dash", "-file=" + file, "-account=7", "-project=3", "-mode=read",
                "-label=team=dev");
        try (InProcessGateway g = InProcessGateway.start("-apikeys.file=" + file, "-apikeys.syncInterval=300ms",
                "-apikeys.nameLabel=apikey", "-clusterMode")) {
            assertEquals(200, g.readyStatus());
            CheckResponse read = g.check(QUERY, Map.of("x-api-key", reader));
            assertEquals(0, read.getStatus().getCode(), read.toString());
            String path = pathOf(read);
            assertTrue(path.startsWith("/select/7:3/prometheus/api/v1/query?"), path);
            assertTrue(path.contains("extra_label=team%3Ddev") && !path.contains("apikey"), path);
            assertTrue(read.getOkResponse().getHeadersToRemoveList().contains("x-api-key"), read.toString());
            assertEquals(403, g.status(QUERY, Map.of("x-api-key", writer)), "a write-only key cannot read");
            CheckResponse write = g.check("POST", "/api/v1/import/prometheus", Map.of("x-api-key", writer));
            assertEquals(0, write.getStatus().getCode(), write.toString());
            assertTrue(pathOf(write).startsWith("/insert/7:3/prometheus/api/v1/import/prometheus?")
                    && pathOf(write).contains("extra_label=apikey%3Dingest-a"), pathOf(write));
            assertEquals(401, g.status(QUERY, Map.of("x-api-key", reader + "x")));

            String everything = Files.readString(file);
            replace(file, "keys: [");
            Await.until("the corrupt file to be noticed", WAIT,
                    () -> g.metric("tsgate_apikeys_sync_errors_total", ""), v -> v >= 1);
            assertEquals(0.0, g.metric("tsgate_apikeys_last_sync_successful", ""));
            assertEquals(200, g.status(QUERY, Map.of("x-api-key", reader)), "the last good set stays in force");

            replace(file, everything);
            Await.until("the repaired file to load", WAIT, () -> g.metric("tsgate_apikeys_last_sync_successful", ""),
                    v -> v == 1);
            String withoutReader = everything.substring(0, everything.indexOf("- name: \"dash\""));
            assertTrue(withoutReader.contains("ingest-a") && !withoutReader.contains("dash"), withoutReader);
            long revoked = System.nanoTime();
            replace(file, withoutReader);
            Await.until("the revoked key to be rejected", WAIT, () -> g.status(QUERY, Map.of("x-api-key", reader)),
                    s -> s == 401);
            Duration took = Duration.ofNanos(System.nanoTime() - revoked);
            assertTrue(took.compareTo(Duration.ofMillis(300).plusSeconds(3)) < 0, "revocation took " + took);
            assertEquals(200, g.status("POST", "/api/v1/import/prometheus", Map.of("x-api-key", writer)));
            assertEquals(1.0, g.metric("tsgate_apikeys", ""));
        }
    }

    @Test
    void redisHashSourceSyncsRevokesAndSurvivesAnOutage() throws Exception {
        try (RedisServer redis = RedisServer.start()) {
            String url = redis.uri().toString();
            String a = create("create", "fleet-a", "-redisUrl=" + url, "-redisKey=tsgate:it", "-account=1", "-mode=read");
            String b = create("create", "fleet-b", "-redisUrl=" + url, "-redisKey=tsgate:it", "-account=2", "-mode=read");
            assertEquals(":1", redis.command("HSET tsgate:it broken not-json"));
            try (InProcessGateway g = InProcessGateway.start("-apikeys.redisUrl=" + url, "-apikeys.redisKey=tsgate:it",
                    "-apikeys.syncInterval=200ms")) {
                Await.until("/ready", WAIT, g::readyStatus, s -> s == 200);
                assertEquals(200, g.status(QUERY, Map.of("x-api-key", a)));
                assertEquals(200, g.status(QUERY, Map.of("x-api-key", b)), "a broken field does not block the others");
                assertTrue(g.metric("tsgate_apikeys_invalid_entries_total", "") >= 1);

                assertEquals(":1", redis.command("HDEL tsgate:it fleet-a"));
                Await.until("the deleted key to be rejected", WAIT, () -> g.status(QUERY, Map.of("x-api-key", a)),
                        s -> s == 401);
                assertEquals(200, g.status(QUERY, Map.of("x-api-key", b)));

                redis.stop();
                double before = g.metric("tsgate_apikeys_sync_errors_total", "");
                Await.until("sync errors while Redis is down", WAIT,
                        () -> g.metric("tsgate_apikeys_sync_errors_total", ""), v -> v >= before + 1);
                assertEquals(200, g.status(QUERY, Map.of("x-api-key", b)), "last good set kept through the outage");

                redis.startAgain();
                Await.until("the empty restarted Redis to revoke everything", WAIT,
                        () -> g.status(QUERY, Map.of("x-api-key", b)), s -> s == 401);
            }
        }
    }

    @Test
    void checkCommandDecidesWithRedisApiKeys() throws Exception {
        try (RedisServer redis = RedisServer.start()) {
            String url = redis.uri().toString();
            String key = create("create", "fleet-c", "-redisUrl=" + url, "-redisKey=tsgate:check", "-account=3", "-mode=read");
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int code = io.tsgate.cli.CheckCommand.run(List.of("-apikeys.redisUrl=" + url, "-apikeys.redisKey=tsgate:check",
                    "-path=/api/v1/query?query=up", "-header=X-Api-Key: " + key),
                    new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
            assertEquals(0, code, out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8));
            assertTrue(out.toString(StandardCharsets.UTF_8).contains("tenant:         3:0"), out.toString(StandardCharsets.UTF_8));
        }
    }

    @Test
    void redisDownAtStartKeepsReadyFalseAndSaysWhy() throws Exception {
        try (RedisServer redis = RedisServer.start()) {
            String url = redis.uri().toString();
            String a = create("create", "late", "-redisUrl=" + url, "-redisKey=tsgate:late");
            redis.stop();
            try (InProcessGateway g = InProcessGateway.start("-apikeys.redisUrl=" + url, "-apikeys.redisKey=tsgate:late",
                    "-apikeys.syncInterval=200ms")) {
                Await.until("a failed sync", WAIT, () -> g.metric("tsgate_apikeys_sync_errors_total", ""), v -> v >= 1);
                var ready = g.get("/ready");
                assertEquals(503, ready.statusCode());
                assertTrue(ready.body().contains("API keys from Redis hash tsgate:late not loaded"), ready.body());
                CheckResponse r = g.check(QUERY, Map.of("x-api-key", a));
                assertEquals(401, r.getDeniedResponse().getStatus().getCodeValue());
                assertTrue(r.getDeniedResponse().getBody().contains("not loaded yet"), r.getDeniedResponse().getBody());
                redis.startAgain();
                Await.until("/ready once Redis answers", WAIT, g::readyStatus, s -> s == 200);
            }
        }
    }
    @Test
    void shadedJarServesRedisApiKeysAndNeverLogsThem() throws Exception {
        Path jar = Path.of("target", "tsgate.jar").toAbsolutePath();
        assertTrue(Files.isRegularFile(jar), jar + " missing: run through mvn verify (package builds it)");
        try (RedisServer redis = RedisServer.start()) {
            String url = redis.uri().toString();
            String key = create("create", "jar-key", "-redisUrl=" + url, "-account=4", "-mode=read");
            java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
            FreePort.Started<ManagedProcess> started = FreePort.retrying(2, ports -> ManagedProcess.start("tsgate-redis",
                    List.of("java", "-jar", jar.toString(), "-apikeys.redisUrl=" + url, "-apikeys.syncInterval=200ms",
                            "-grpcListenAddr=127.0.0.1:" + ports[0], "-httpListenAddr=127.0.0.1:" + ports[1]),
                    dir.resolve("tsgate-" + ports[0] + ".log"), Duration.ofSeconds(60), () -> {
                        try {
                            return client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                                    "http://127.0.0.1:" + ports[1] + "/ready")).build(),
                                    java.net.http.HttpResponse.BodyHandlers.ofString()).statusCode() == 200;
                        } catch (Exception e) {
                            return false;
                        }
                    }));
            int grpc = started.port(0);
            try (ManagedProcess p = started.server()) {
                io.grpc.ManagedChannel channel = io.grpc.ManagedChannelBuilder.forAddress("127.0.0.1", grpc)
                        .usePlaintext().build();
                try {
                    var stub = io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc.newBlockingStub(channel)
                            .withDeadlineAfter(10, java.util.concurrent.TimeUnit.SECONDS);
                    var http1 = io.envoyproxy.envoy.service.auth.v3.AttributeContext.HttpRequest.newBuilder()
                            .setMethod("GET").setPath(QUERY).putHeaders("x-api-key", key);
                    CheckResponse r = stub.check(io.envoyproxy.envoy.service.auth.v3.CheckRequest.newBuilder()
                            .setAttributes(io.envoyproxy.envoy.service.auth.v3.AttributeContext.newBuilder()
                                    .setRequest(io.envoyproxy.envoy.service.auth.v3.AttributeContext.Request
                                            .newBuilder().setHttp(http1))).build());
                    assertEquals(0, r.getStatus().getCode(), r.toString());
                    assertTrue(pathOf(r).startsWith(QUERY), pathOf(r));
                    http1.putHeaders("x-api-key", key + "x");
                    CheckResponse bad = stub.check(io.envoyproxy.envoy.service.auth.v3.CheckRequest.newBuilder()
                            .setAttributes(io.envoyproxy.envoy.service.auth.v3.AttributeContext.newBuilder()
                                    .setRequest(io.envoyproxy.envoy.service.auth.v3.AttributeContext.Request
                                            .newBuilder().setHttp(http1))).build());
                    assertEquals(401, bad.getDeniedResponse().getStatus().getCodeValue());
                } finally {
                    channel.shutdownNow();
                }
                String log = Files.readString(p.logFile());
                assertTrue(log.contains("unknown_api_key"), log);
                assertTrue(!log.contains(key) && !log.contains(key.substring(4, 20)), "an API key must never be logged");
            }
        }
    }
}

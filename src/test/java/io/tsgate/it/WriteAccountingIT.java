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
import io.tsgate.auth.KeyPairFiles;
import io.tsgate.ingest.Fixtures;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
 * Write accounting end to end: client → {@link EnvoyStandIn} (envoy/envoy-single.yaml: ext_authz, then ext_proc in
 * buffered mode) → real VictoriaMetrics 1.79.5, with one real tsgate serving both filters as the gateway wires them
 * ({@code -enable.rateLimit}, local backend). The limit file counts every tenant's rows and series (limits far above
 * what the tests write) and gives tenant {@value #SMALL_ACCOUNT}:0 two rows an hour. What tsgate counted is read from
 * its per-tenant metrics ({@code tsgate_tenant_rows_inserted_total}, {@code tsgate_tenant_active_series}); each test
 * writes as its own tenant under its own {@code team} label, which the token injects as {@code extra_label}. Limits
 * themselves (under, at and over them, both backends) are {@link GatewayWriteLimitIT}'s.
 */
@ExtendWith(ExternalServers.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WriteAccountingIT {
    private static final int SMALL_ACCOUNT = 2;
    /** Fixed per run, so the series hashes (and HyperLogLog estimates) are the same on every run. */
    private static final AtomicInteger ACCOUNTS = new AtomicInteger(3000);

    private VictoriaMetricsServer vm;
    private InProcessGateway gateway;
    private RSAKey signingKey;
    private Path pem;
    private EnvoyStandIn envoy;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    void start(VictoriaMetricsServer vm, @TempDir Path dir) throws Exception {
        this.vm = vm;
        signingKey = new RSAKeyGenerator(2048).keyID("it").generate();
        pem = dir.resolve("it.pem");
        Files.writeString(pem, KeyPairFiles.pem("PUBLIC KEY", signingKey.toPublicKey().getEncoded()));
        Path limits = dir.resolve("limits.yaml");
        Files.writeString(limits, """
                limits:
                  - {type: rows_inserted, value: 100000000, resolution: hour}
                  - {type: active_series, value: 100000000, resolution: hour}
                  - {type: rows_inserted, value: 2, resolution: hour, account_id: %d, project_id: 0}
                """.formatted(SMALL_ACCOUNT));
        gateway = InProcessGateway.start("-enable.auth", "-auth.publicKeyFiles=" + pem, "-enable.rateLimit",
                "-ratelimit.config=" + limits);
        envoy = envoy(vm.baseUri());
    }

    private EnvoyStandIn envoy(URI victoriaMetrics) throws java.io.IOException {
        return EnvoyStandIn.builder(EnvoyConfig.single()).grpc("tsgate", gateway.channel())
                .cluster("victoriametrics", victoriaMetrics).checkTimeout(Duration.ofSeconds(5)).start();
    }

    @AfterAll
    void stop() {
        if (envoy != null) {
            envoy.close();
        }
        if (gateway != null) {
            gateway.close();
        }
    }

    /** One test's tenant (account id) and team label. */
    private record Writer(int account, String team) {
        String tenantLabel() {
            return "account_id=\"" + account + "\"";
        }
    }

    private static Writer writer() {
        int account = ACCOUNTS.incrementAndGet();
        return new Writer(account, "ingest-it-" + account);
    }

    private long rows(Writer w) {
        return Math.round(gateway.metric("tsgate_tenant_rows_inserted_total", w.tenantLabel()));
    }

    private long series(Writer w) {
        return Math.round(gateway.metric("tsgate_tenant_active_series", w.tenantLabel()));
    }

    /**
     * VictoriaMetrics 1.79.5 un-gzips only the exact Content-Encoding {@code gzip}; with {@code deflate},
     * {@code x-gzip} or {@code GZIP} it parses the raw bytes and stores the plain lines it finds there (here: behind a
     * zlib stream, and inside a gzip member's FCOMMENT header). Sent straight to VictoriaMetrics such bodies store
     * the smuggled lines; through tsgate they are refused (400) and nothing is stored.
     */
    @Test
    void encodingsVictoriaMetricsReadsAsPlainBytesAreRefusedNotSmuggled() throws Exception {
        record Smuggle(String encoding, java.util.function.BiFunction<String, String, byte[]> body) {
        }
        for (Smuggle s : List.of(new Smuggle("deflate", WriteAccountingIT::behindZlib),
                new Smuggle("x-gzip", WriteAccountingIT::inGzipComment), new Smuggle("GZIP", WriteAccountingIT::inGzipComment))) {
            Writer w = writer();
            String team = w.team();
            HttpResponse<String> r = post("/api/v1/import/prometheus", token(w), s.encoding(), s.body().apply(team, "it_smuggled"));
            assertEquals(400, r.statusCode(), s.encoding() + ": " + r.body());
            assertTrue(r.body().contains("Content-Encoding"), r.body());

            assertEquals(0, rows(w), s.encoding() + ": refused before the limiter");
            String direct = writer().team();
            HttpResponse<String> straight = client.send(HttpRequest.newBuilder(vm.baseUri().resolve("/api/v1/import/prometheus"))
                    .header("Content-Encoding", s.encoding())
                    .POST(HttpRequest.BodyPublishers.ofByteArray(s.body().apply(direct, "it_smuggled"))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(204, straight.statusCode(), straight.body());
            vm.flush();
            vm.awaitExported("{__name__=\"it_smuggled\",team=\"" + direct + "\"}", 3);
            assertEquals(List.of(), vm.querySeries("{__name__=\"it_smuggled\",team=\"" + team + "\"}"),
                    s.encoding() + ": the same body through tsgate stored nothing");
        }
    }

    private static byte[] smuggledLines(String team, String name) {
        return ("\n" + name + "{n=\"1\",team=\"" + team + "\"} 1\n" + name + "{n=\"2\",team=\"" + team + "\"} 1\n"
                + name + "{n=\"3\",team=\"" + team + "\"} 1\n").getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] behindZlib(String team, String name) {
        byte[] zlib = Fixtures.deflate("it_small 1\n".getBytes(StandardCharsets.UTF_8));
        byte[] lines = smuggledLines(team, name);
        byte[] out = java.util.Arrays.copyOf(zlib, zlib.length + lines.length);
        System.arraycopy(lines, 0, out, zlib.length, lines.length);
        return out;
    }

    /** A gzip member whose FCOMMENT header field holds sample lines: a gzip reader sees only "it_small 1". */
    private static byte[] inGzipComment(String team, String name) {
        byte[] gz = Fixtures.gzip("it_small 1\n".getBytes(StandardCharsets.UTF_8));
        byte[] lines = smuggledLines(team, name);
        byte[] out = new byte[gz.length + lines.length + 1];
        System.arraycopy(gz, 0, out, 0, 10);
        out[3] |= 0x10;
        System.arraycopy(lines, 0, out, 10, lines.length);
        System.arraycopy(gz, 10, out, 11 + lines.length, gz.length - 10);
        return out;
    }

    @Test
    void vmagentRemoteWriteIsCountedAsVictoriaMetricsStoresIt() throws Exception {
        Writer w = writer();
        for (byte[] body : Fixtures.vmagentRemoteWrite()) {
            HttpResponse<String> r = post("/api/v1/write", token(w), "snappy", body);
            assertEquals(204, r.statusCode(), r.body());
        }
        assertEquals(Fixtures.sampleLines(Fixtures.resource("vm-metrics.prom")), rows(w));
        vm.flush();
        assertEquals(series(w), vm.querySeries("{team=\"" + w.team() + "\"}").size(),
                "tsgate's distinct series (extra_label included) = the series VictoriaMetrics stored");
    }

    /** Without -enable.rateLimit nothing needs counting: ext_proc lets every write through without its body. */
    @Test
    void gatewayWithoutLimitsLeavesWriteBodiesAlone() throws Exception {
        Writer w = writer();
        try (InProcessGateway unlimited = InProcessGateway.start("-enable.auth", "-auth.publicKeyFiles=" + pem);
             EnvoyStandIn plain = EnvoyStandIn.builder(EnvoyConfig.single()).grpc("tsgate", unlimited.channel())
                     .cluster("victoriametrics", vm.baseUri()).checkTimeout(Duration.ofSeconds(5)).start()) {
            EnvoyStandIn.Response r = plain.send(EnvoyStandIn.Downstream.of("POST", "/api/v1/import/prometheus",
                    "it_unlimited 1\n".getBytes(StandardCharsets.UTF_8), "authorization", "Bearer " + token(w),
                    "host", "vm"));
            assertEquals(204, r.status(), r.bodyText());
            // The token confines the write (extra_labels), so its body is read for the label count VictoriaMetrics
            // 1.79 would truncate at; nothing is charged without limits.
            assertTrue(plain.extProc().lastSent().stream().anyMatch(m -> m.hasRequestBody()),
                    "ext_proc read the confined body: " + plain.extProc().lastSent());
            assertEquals(0, Math.round(unlimited.metric("tsgate_tenant_rows_inserted_total", w.tenantLabel())),
                    "nothing charged without limits");
        }
        vm.awaitExported("{team=\"" + w.team() + "\"}", 1);
    }

    /** Formats without a real client here: VictoriaMetrics' own parser is the judge of what they hold. */
    @Test
    void influxCsvAndJsonLineSeriesMatchWhatVictoriaMetricsStores() throws Exception {
        record Write(String path, String encoding, byte[] body) {
        }
        List<Write> writes = List.of(
                // String fields are stored too (cpu_note): VictoriaMetrics parses them as numbers, or 0.
                new Write("/influx/write?db=telegraf", null, ("cpu,host=a,region=eu usage=1.5,idle=2i,up=true\n"
                        + "cpu,host=b note=\"x y\",usage=3\n"
                        // A recent timestamp (ns): 1.79.5's series API did not list the 2023 one this line used to carry.
                        + "disk\\ io,path=/a\\,b reads=7 " + System.currentTimeMillis() * 1_000_000L + "\n")
                        .getBytes(StandardCharsets.UTF_8)),
                new Write("/api/v1/import/csv?format=2:metric:vm_rows,1:label:type,3:time:unix_ms", null,
                        Fixtures.resource("vm-export.csv")),
                new Write("/api/v1/import", "gzip", Fixtures.gzip(Fixtures.resource("vm-export.jsonl"))));
        for (Write w : writes) {
            Writer who = writer();
            HttpResponse<String> r = post(w.path(), token(who), w.encoding(), w.body());
            assertEquals(204, r.statusCode(), w.path() + ": " + r.body());
            long counted = series(who);
            assertTrue(counted > 0, w.path() + ": no series counted");
            vm.flush();
            List<Map<String, String>> stored = Await.until(w.path() + " series in VictoriaMetrics", Duration.ofSeconds(10),
                    () -> vm.querySeries("{team=\"" + who.team() + "\"}"), s -> s.size() >= counted);
            assertEquals(counted, stored.size(), w.path() + ": " + stored);
        }
    }

    /**
     * OpenTSDB HTTP has its own listener in VictoriaMetrics 1.79.5 ({@code -opentsdbHTTPListenAddr}; the main port
     * answers "unsupported path" for {@code /api/put}), so this test runs a VictoriaMetrics with one and puts the
     * stand-ins in front of it.
     */
    @Test
    void openTsdbSeriesMatchWhatVictoriaMetricsStores(@TempDir Path dir) throws Exception {
        FreePort.Started<ManagedProcess> started = FreePort.retrying(2, ports -> ManagedProcess.start(
                "victoria-metrics-opentsdb", List.of(VictoriaMetricsServer.BINARY, "-httpListenAddr=127.0.0.1:" + ports[0],
                        "-opentsdbHTTPListenAddr=127.0.0.1:" + ports[1], "-storageDataPath=" + dir.resolve("data"),
                        "-retentionPeriod=100y"), dir.resolve("vm-" + ports[0] + ".log"), Duration.ofSeconds(30),
                () -> status(URI.create("http://127.0.0.1:" + ports[0] + "/health")) == 200));
        URI base = URI.create("http://127.0.0.1:" + started.port(0));
        try (ManagedProcess opentsdbVm = started.server();
             EnvoyStandIn tsdbEnvoy = envoy(URI.create("http://127.0.0.1:" + started.port(1)))) {
            Writer w = writer();
            byte[] body = ("[{\"metric\":\"sys.cpu\",\"timestamp\":1700000000,\"value\":1,\"tags\":{\"host\":\"a\"}},"
                    + "{\"metric\":\"sys.cpu\",\"timestamp\":1700000001,\"value\":3,\"tags\":{\"host\":\"a\"}},"
                    + "{\"metric\":\"sys.mem\",\"timestamp\":1700000000,\"value\":2,\"tags\":{\"host\":\"b\",\"dc\":\"x\"}}]")
                    .getBytes(StandardCharsets.UTF_8);
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(tsdbEnvoy.baseUri() + "/api/put"))
                    .header("Authorization", "Bearer " + token(w)).POST(HttpRequest.BodyPublishers.ofByteArray(body))
                    .timeout(Duration.ofSeconds(15)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(204, r.statusCode(), r.body());
            assertEquals(3, rows(w));
            assertEquals(2, series(w));
            status(base.resolve("/internal/force_flush"));
            String match = java.net.URLEncoder.encode("{team=\"" + w.team() + "\"}", StandardCharsets.UTF_8);
            String exported = Await.until("OpenTSDB samples in VictoriaMetrics", Duration.ofSeconds(10),
                    () -> body(base.resolve("/api/v1/export?match[]=" + match)),
                    s -> s.contains("sys.mem") && s.contains("sys.cpu"));
            List<String> lines = exported.lines().filter(l -> !l.isBlank()).toList();
            assertEquals(series(w), lines.size(), "one export line per stored series: " + exported);
            long values = 0;
            for (String line : lines) {
                values += new com.fasterxml.jackson.databind.ObjectMapper().readTree(line).get("values").size();
            }
            assertEquals(rows(w), values, "rows = stored samples: " + exported);
        }
    }

    private int status(URI uri) {
        try {
            return client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (java.io.IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private String body(URI uri) {
        try {
            return client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        } catch (java.io.IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    private String token(Writer w) throws Exception {
        Map<String, Object> access = new LinkedHashMap<>();
        access.put("tenant_id", Map.of("account_id", w.account(), "project_id", 0));
        access.put("extra_labels", Map.of("team", w.team()));
        access.put("mode", 2);
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("it").build(),
                new JWTClaimsSet.Builder().subject("writer").expirationTime(Date.from(Instant.now().plusSeconds(600)))
                        .claim("vm_access", access).build());
        jwt.sign(new RSASSASigner(signingKey));
        return jwt.serialize();
    }

    private HttpResponse<String> post(String target, String token, String encoding, byte[] body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(envoy.baseUri() + target))
                .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .timeout(Duration.ofSeconds(15));
        if (encoding != null) {
            b.header("Content-Encoding", encoding);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}

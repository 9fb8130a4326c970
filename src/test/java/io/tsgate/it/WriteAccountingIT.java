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
import io.tsgate.auth.Tenant;
import io.tsgate.envoy.ExtProcService;
import io.tsgate.ingest.Fixtures;
import io.tsgate.ingest.WriteBodyCounter;
import io.tsgate.limits.RowBudgetLimiter;
import io.tsgate.limits.RowBudgetLimiter.Admission;
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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Write accounting end to end: client → {@link EnvoyStandIn} (ext_authz, then the ext_proc stand-in in buffered
 * mode) → real VictoriaMetrics 1.79.5. ext_authz is a real tsgate; the ext_proc service is tsgate's, hosted here with
 * a {@link RowBudgetLimiter} (the limits backends are another branch). Each test writes under its own
 * {@code team} label, which the token injects as {@code extra_label}.
 */
@ExtendWith(ExternalServers.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WriteAccountingIT {
    private static final Tenant TENANT = new Tenant(0, 0);
    private static final AtomicInteger TEAMS = new AtomicInteger();

    private VictoriaMetricsServer vm;
    private Gateway gateway;
    private ManagedChannel authzChannel;
    private RSAKey signingKey;
    private Server extProcServer;
    private ManagedChannel extProcChannel;
    private EnvoyStandIn envoy;
    private final ExecutorService limiterThread = Executors.newSingleThreadExecutor();
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

    private void withLimiter(RowBudgetLimiter limiter) throws Exception {
        stopExtProc();
        String name = InProcessServerBuilder.generateName();
        extProcServer = InProcessServerBuilder.forName(name).directExecutor()
                .addService(new ExtProcService(new WriteBodyCounter(8 << 20, 32 << 20), limiter, true,
                        new PrometheusRegistry(), Map.of()))
                .build().start();
        extProcChannel = InProcessChannelBuilder.forName(name).directExecutor().build();
        envoy = EnvoyStandIn.builder(authzChannel, vm.baseUri())
                .extProc(new ExtProcStandIn(extProcChannel, ExtProcStandIn.Settings.envoyYaml())).start();
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
        limiterThread.shutdownNow();
        if (authzChannel != null) {
            authzChannel.shutdownNow();
        }
        if (gateway != null) {
            gateway.close();
        }
    }

    private static String team() {
        return "ingest-it-" + TEAMS.incrementAndGet() + "-" + System.nanoTime();
    }

    @Test
    void writeUnderTheLimitIsStoredAndOneOverItIsRejectedWhole() throws Exception {
        RowBudgetLimiter limiter = new RowBudgetLimiter(Map.of(TENANT, 5L), limiterThread);
        withLimiter(limiter);
        String team = team();
        String token = token(team);
        HttpResponse<String> first = post("/api/v1/import/prometheus", token, null,
                "it_ingest_a{n=\"1\"} 1\nit_ingest_a{n=\"2\"} 2\nit_ingest_a{n=\"3\"} 3\n".getBytes(StandardCharsets.UTF_8));
        assertEquals(204, first.statusCode(), first.body());
        HttpResponse<String> over = post("/api/v1/import/prometheus", token, null,
                "it_ingest_b{n=\"1\"} 1\nit_ingest_b{n=\"2\"} 2\nit_ingest_b{n=\"3\"} 3\n".getBytes(StandardCharsets.UTF_8));
        assertEquals(429, over.statusCode(), over.body());
        assertEquals("2", over.headers().firstValue("ratelimit-remaining").orElseThrow());
        assertEquals("5", over.headers().firstValue("ratelimit-limit").orElseThrow());
        assertTrue(over.headers().firstValue("retry-after").isPresent());
        assertTrue(over.body().contains("\"errorType\":\"too_many_requests\""), over.body());
        HttpResponse<String> fits = post("/api/v1/import/prometheus", token, null,
                "it_ingest_c{n=\"1\"} 1\nit_ingest_c{n=\"2\"} 2\n".getBytes(StandardCharsets.UTF_8));
        assertEquals(204, fits.statusCode(), fits.body());
        vm.flush();
        // The write after the rejected one is visible, so the rejected one would be too had any of it been stored.
        vm.awaitExported("{team=\"" + team + "\"}", 5);
        assertEquals(List.of(), vm.querySeries("{__name__=\"it_ingest_b\",team=\"" + team + "\"}"));
        assertEquals(3, vm.querySeries("{__name__=\"it_ingest_a\",team=\"" + team + "\"}").size());
        assertEquals(5, limiter.used(TENANT));
    }

    /**
     * VictoriaMetrics 1.79.5 un-gzips only the exact Content-Encoding {@code gzip}; with {@code deflate},
     * {@code x-gzip} or {@code GZIP} it parses the raw bytes and stores the plain lines it finds there (here: behind a
     * zlib stream, and inside a gzip member's FCOMMENT header). Sent straight to VictoriaMetrics such bodies store
     * the smuggled lines; through tsgate they are refused (400) and nothing is stored.
     */
    @Test
    void encodingsVictoriaMetricsReadsAsPlainBytesAreRefusedNotSmuggled() throws Exception {
        RowBudgetLimiter limiter = new RowBudgetLimiter(Map.of(TENANT, 1_000L), null);
        withLimiter(limiter);
        record Smuggle(String encoding, java.util.function.BiFunction<String, String, byte[]> body) {
        }
        for (Smuggle s : List.of(new Smuggle("deflate", WriteAccountingIT::behindZlib),
                new Smuggle("x-gzip", WriteAccountingIT::inGzipComment), new Smuggle("GZIP", WriteAccountingIT::inGzipComment))) {
            String team = team();
            HttpResponse<String> r = post("/api/v1/import/prometheus", token(team), s.encoding(), s.body().apply(team, "it_smuggled"));
            assertEquals(400, r.statusCode(), s.encoding() + ": " + r.body());
            assertTrue(r.body().contains("Content-Encoding"), r.body());

            String direct = team();
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
        assertEquals(List.of(), limiter.admissions(), "refused before the limiter");
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
        RowBudgetLimiter limiter = new RowBudgetLimiter(Map.of(TENANT, 1_000_000L), null);
        withLimiter(limiter);
        String team = team();
        for (byte[] body : Fixtures.vmagentRemoteWrite()) {
            HttpResponse<String> r = post("/api/v1/write", token(team), "snappy", body);
            assertEquals(204, r.statusCode(), r.body());
        }
        long rows = limiter.admissions().stream().mapToLong(Admission::rows).sum();
        int series = limiter.admissions().stream().mapToInt(Admission::series).sum();
        assertEquals(Fixtures.sampleLines(Fixtures.resource("vm-metrics.prom")), rows);
        vm.flush();
        assertEquals(series, vm.querySeries("{team=\"" + team + "\"}").size(),
                "tsgate's distinct series (extra_label included) = the series VictoriaMetrics stored");
    }

    @Test
    void gatewayServesExtProcAndLeavesWritesAloneWithoutLimits() throws Exception {
        // Gateway wires UnlimitedLimiter until limits are configurable: no write needs counting.
        ExtProcStandIn direct = new ExtProcStandIn(authzChannel, ExtProcStandIn.Settings.envoyYaml());
        HeaderList h = new HeaderList();
        h.add(":path", "/api/v1/import/prometheus");
        h.add(":method", "POST");
        ExtProcStandIn.Outcome o = direct.process(h, "m 1\n".getBytes(StandardCharsets.UTF_8), Map.of(
                "envoy.filters.http.ext_authz", com.google.protobuf.Struct.newBuilder()
                        .putFields("tenant", com.google.protobuf.Value.newBuilder().setStringValue("0:0").build())
                        .putFields("class", com.google.protobuf.Value.newBuilder().setStringValue("write").build()).build()));
        ExtProcStandIn.Continue c = org.junit.jupiter.api.Assertions.assertInstanceOf(ExtProcStandIn.Continue.class, o);
        org.junit.jupiter.api.Assertions.assertFalse(c.bodySent());
    }

    /** Formats without a real client here: VictoriaMetrics' own parser is the judge of what they hold. */
    @Test
    void influxCsvAndJsonLineSeriesMatchWhatVictoriaMetricsStores() throws Exception {
        RowBudgetLimiter limiter = new RowBudgetLimiter(Map.of(TENANT, 1_000_000L), null);
        withLimiter(limiter);
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
            String team = team();
            int before = limiter.admissions().size();
            HttpResponse<String> r = post(w.path(), token(team), w.encoding(), w.body());
            assertEquals(204, r.statusCode(), w.path() + ": " + r.body());
            Admission a = limiter.admissions().get(before);
            vm.flush();
            List<Map<String, String>> stored = Await.until(w.path() + " series in VictoriaMetrics", Duration.ofSeconds(10),
                    () -> vm.querySeries("{team=\"" + team + "\"}"), s -> s.size() >= a.series());
            assertEquals(a.series(), stored.size(), w.path() + ": " + stored);
        }
    }

    /**
     * OpenTSDB HTTP has its own listener in VictoriaMetrics 1.79.5 ({@code -opentsdbHTTPListenAddr}; the main port
     * answers "unsupported path" for {@code /api/put}), so this test runs a VictoriaMetrics with one and puts the
     * stand-ins in front of it.
     */
    @Test
    void openTsdbSeriesMatchWhatVictoriaMetricsStores(@TempDir Path dir) throws Exception {
        RowBudgetLimiter limiter = new RowBudgetLimiter(Map.of(TENANT, 1_000_000L), null);
        withLimiter(limiter);
        int http = FreePort.pick();
        int tsdb = FreePort.pick();
        URI base = URI.create("http://127.0.0.1:" + http);
        try (ManagedProcess opentsdbVm = ManagedProcess.start("victoria-metrics-opentsdb", List.of(
                VictoriaMetricsServer.BINARY, "-httpListenAddr=127.0.0.1:" + http, "-opentsdbHTTPListenAddr=127.0.0.1:" + tsdb,
                "-storageDataPath=" + dir.resolve("data"), "-retentionPeriod=100y"), dir.resolve("vm.log"),
                Duration.ofSeconds(30), () -> status(base.resolve("/health")) == 200);
             EnvoyStandIn tsdbEnvoy = EnvoyStandIn.builder(authzChannel, URI.create("http://127.0.0.1:" + tsdb))
                     .extProc(new ExtProcStandIn(extProcChannel, ExtProcStandIn.Settings.envoyYaml())).start()) {
            String team = team();
            byte[] body = ("[{\"metric\":\"sys.cpu\",\"timestamp\":1700000000,\"value\":1,\"tags\":{\"host\":\"a\"}},"
                    + "{\"metric\":\"sys.cpu\",\"timestamp\":1700000001,\"value\":3,\"tags\":{\"host\":\"a\"}},"
                    + "{\"metric\":\"sys.mem\",\"timestamp\":1700000000,\"value\":2,\"tags\":{\"host\":\"b\",\"dc\":\"x\"}}]")
                    .getBytes(StandardCharsets.UTF_8);
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(tsdbEnvoy.baseUri() + "/api/put"))
                    .header("Authorization", "Bearer " + token(team)).POST(HttpRequest.BodyPublishers.ofByteArray(body))
                    .timeout(Duration.ofSeconds(15)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(204, r.statusCode(), r.body());
            Admission a = limiter.admissions().get(0);
            assertEquals(3, a.rows());
            assertEquals(2, a.series());
            status(base.resolve("/internal/force_flush"));
            String match = java.net.URLEncoder.encode("{team=\"" + team + "\"}", StandardCharsets.UTF_8);
            String exported = Await.until("OpenTSDB samples in VictoriaMetrics", Duration.ofSeconds(10),
                    () -> body(base.resolve("/api/v1/export?match[]=" + match)),
                    s -> s.contains("sys.mem") && s.contains("sys.cpu"));
            List<String> lines = exported.lines().filter(l -> !l.isBlank()).toList();
            assertEquals(a.series(), lines.size(), "one export line per stored series: " + exported);
            long values = 0;
            for (String line : lines) {
                values += new com.fasterxml.jackson.databind.ObjectMapper().readTree(line).get("values").size();
            }
            assertEquals(a.rows(), values, "rows = stored samples: " + exported);
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

    private String token(String team) throws Exception {
        Map<String, Object> access = new LinkedHashMap<>();
        access.put("tenant_id", Map.of("account_id", TENANT.accountId(), "project_id", TENANT.projectId()));
        access.put("extra_labels", Map.of("team", team));
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

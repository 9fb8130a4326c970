package io.tsgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tsgate.Gateway;
import io.tsgate.auth.KeyPairFiles;
import io.tsgate.auth.TokenMinter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped nginx config ({@code examples/nginx/tsgate.conf}) as the data plane, end to end with real processes:
 * vmagent (and vmalert) remote-write with a bearer token → nginx ({@code auth_request}) → tsgate ({@code /authz-nginx}) →
 * VictoriaMetrics 1.79.5; reads go through nginx with read tokens. VictoriaMetrics is shared by the IT classes,
 * which run one after another (AccessControlIT empties it before each of its tests): this class writes in
 * {@code @BeforeAll} and reads only its own {@code nginx_it_} names.
 */
@ExtendWith(ExternalServers.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NginxDataPlaneIT {
    private static final Path SHIPPED_CONFIG = Path.of("examples/nginx/tsgate.conf");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String METRIC = "nginx_it_up";

    private VictoriaMetricsServer vm;
    private Gateway gateway;
    private NginxServer nginx;
    private final List<AutoCloseable> closeLast = new ArrayList<>();
    private PrivateKey signingKey;
    private Path publicKeyFile;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    void start(VictoriaMetricsServer vm, @TempDir Path dir) throws Exception {
        this.vm = vm;
        KeyPairFiles keys = KeyPairFiles.generate("RSA", dir, "nginx-it", new SecureRandom());
        signingKey = TokenMinter.readPrivateKey(keys.privateKeyFile());
        publicKeyFile = keys.publicKeyFile();
        gateway = Gateway.start("-grpcListenAddr=127.0.0.1:0", "-httpListenAddr=127.0.0.1:0",
                "-auth.publicKeyFiles=" + keys.publicKeyFile(), "-http.trustedProxyHops=1");
        nginx = startNginx(gateway.httpPort());
        writeThroughVmagent(dir, "dev", METRIC + "{instance=\"a\",team=\"prod\"} 1\n");
        writeThroughVmagent(dir, "prod", METRIC + "{instance=\"b\"} 2\n");
        vm.awaitExported("{__name__=\"" + METRIC + "\"}", 2);
        vm.awaitQueryable(METRIC, 2);
    }

    @AfterAll
    void stop() throws Exception {
        for (AutoCloseable c : closeLast) {
            c.close();
        }
        if (nginx != null) {
            nginx.close();
        }
        if (gateway != null) {
            gateway.close();
        }
    }

    /** nginx with the shipped config, its upstreams pointed at this test's tsgate and VictoriaMetrics. */
    private NginxServer startNginx(int tsgateHttpPort) throws Exception {
        String shipped = Files.readString(SHIPPED_CONFIG);
        assertTrue(shipped.contains("server 127.0.0.1:8431;") && shipped.contains("server 127.0.0.1:8428;")
                && shipped.contains("listen 127.0.0.1:8427;"), "shipped config changed its addresses");
        return NginxServer.start(port -> shipped
                .replace("server 127.0.0.1:8431;", "server 127.0.0.1:" + tsgateHttpPort + ";")
                .replace("server 127.0.0.1:8428;", "server " + vm.baseUri().getAuthority() + ";")
                .replace("listen 127.0.0.1:8427;", "listen 127.0.0.1:" + port + ";"));
    }

    /** One vmagent per team, remote-writing through nginx with that team's write token. */
    private void writeThroughVmagent(Path dir, String team, String lines) throws Exception {
        Path binary = DebianPackages.ensureInstalled("/usr/bin/vmagent", "victoria-metrics");
        FreePort.Started<ManagedProcess> started = FreePort.retrying(1, ports -> ManagedProcess.start("vmagent-" + team,
                List.of(binary.toString(), "-httpListenAddr=127.0.0.1:" + ports[0],
                        "-remoteWrite.url=" + nginxUri("/api/v1/write"),
                        "-remoteWrite.bearerToken=" + token(2, team),
                        "-remoteWrite.tmpDataPath=" + dir.resolve("vmagent-" + team),
                        "-remoteWrite.flushInterval=100ms"), dir.resolve("vmagent-" + team + "-" + ports[0] + ".log"),
                Duration.ofSeconds(20), () -> status(URI.create("http://127.0.0.1:" + ports[0] + "/health")) == 200));
        URI base = URI.create("http://127.0.0.1:" + started.port(0));
        ManagedProcess agent = started.server();
        closeLast.add(agent);
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(base.resolve("/api/v1/import/prometheus"))
                .POST(HttpRequest.BodyPublishers.ofString(lines)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(204, r.statusCode(), r.body());
    }

    private int status(URI uri) {
        try {
            return client.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (java.io.IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private URI nginxUri(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + nginx.port() + pathAndQuery);
    }

    private String token(int mode, String team) {
        return token(mode, team, 0);
    }

    private String token(int mode, String team, int account) {
        Map<String, Object> access = new LinkedHashMap<>();
        access.put("tenant_id", Map.of("account_id", account, "project_id", 0));
        access.put("extra_labels", Map.of("team", team));
        access.put("mode", mode);
        return TokenMinter.mint("RS256", "nginx-it", signingKey, Map.of("sub", team + "-" + mode,
                "exp", Instant.now().plusSeconds(900).getEpochSecond(), "vm_access", access));
    }

    private HttpResponse<String> get(String pathAndQuery, String token, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(nginxUri(pathAndQuery));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String q(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static TreeSet<String> teams(HttpResponse<String> query) throws Exception {
        assertEquals(200, query.statusCode(), query.body());
        TreeSet<String> teams = new TreeSet<>();
        for (JsonNode s : JSON.readTree(query.body()).path("data").path("result")) {
            teams.add(s.path("metric").path("team").asText());
        }
        return teams;
    }

    // ---- writes --------------------------------------------------------------------------------------------

    @Test
    void vmagentWritesArriveWithTheTokensLabels() {
        Map<String, String> byInstance = new LinkedHashMap<>();
        for (Map<String, String> s : vm.querySeries("{__name__=\"" + METRIC + "\"}")) {
            byInstance.put(s.get("instance"), s.get("team"));
        }
        assertEquals(Map.of("a", "dev", "b", "prod"), byInstance,
                "each series carries its writer's team; dev's team=\"prod\" in the body was overridden");
    }

    @Test
    void readTokenCannotWrite() throws Exception {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(nginxUri("/api/v1/import/prometheus"))
                .header("Authorization", "Bearer " + token(1, "dev"))
                .POST(HttpRequest.BodyPublishers.ofString("nginx_it_forbidden 1\n")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(403, r.statusCode(), r.body());
        assertEquals("forbidden", JSON.readTree(r.body()).get("errorType").asText());
        vm.flush();
        assertEquals(List.of(), vm.querySeries("nginx_it_forbidden"));
    }

    @Test
    void clientSentOriginalUriCannotChooseWhatIsAuthorized() throws Exception {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(nginxUri("/api/v1/import/prometheus"))
                .header("Authorization", "Bearer " + token(1, "dev"))
                .header("X-Original-URI", "/api/v1/query?query=up").header("X-Original-Method", "GET")
                .POST(HttpRequest.BodyPublishers.ofString("nginx_it_forged 1\n")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(403, r.statusCode(), r.body());
        vm.flush();
        assertEquals(List.of(), vm.querySeries("nginx_it_forged"));
    }

    // ---- reads ---------------------------------------------------------------------------------------------

    @Test
    void eachReadTokenSeesOnlyItsTeam() throws Exception {
        assertEquals(new TreeSet<>(List.of("dev")), teams(get("/api/v1/query?query=" + METRIC, token(1, "dev"))));
        assertEquals(new TreeSet<>(List.of("prod")), teams(get("/api/v1/query?query=" + METRIC, token(1, "prod"))));
        assertEquals(new TreeSet<>(List.of("dev")), teams(get("/api/v1/query?query=" + q("sum by (team) (" + METRIC + ")")
                + "&extra_label=team=prod", token(1, "dev"))), "client-sent extra_label is replaced");
    }

    /**
     * A query longer than one memory page (nginx's default proxy_buffer_size): tsgate returns it whole in
     * x-tsgate-path, and nginx must read that answer, not fail it as "upstream sent too big header" (500).
     */
    @Test
    void longQueryIsForwardedConfined() throws Exception {
        StringBuilder alternatives = new StringBuilder();
        for (int i = 0; alternatives.length() < 6000; i++) {
            alternatives.append(i == 0 ? "" : "|").append("nothing").append(i);
        }
        String query = METRIC + "{instance!~\"" + alternatives + "\"}";
        HttpResponse<String> r = get("/api/v1/query?query=" + q(query), token(1, "dev"));
        assertTrue(nginxUri("/api/v1/query?query=" + q(query)).toString().length() > 6000);
        assertEquals(new TreeSet<>(List.of("dev")), teams(r));
    }

    @Test
    void seriesAndLabelValuesAreConfinedToo() throws Exception {
        HttpResponse<String> series = get("/api/v1/series?match[]=" + METRIC + "&start=1", token(1, "dev"));
        assertEquals(200, series.statusCode(), series.body());
        JsonNode data = JSON.readTree(series.body()).get("data");
        assertEquals(1, data.size(), series.body());
        assertEquals("dev", data.get(0).get("team").asText());
        HttpResponse<String> values = get("/api/v1/label/team/values?match[]=" + METRIC + "&start=1", token(1, "prod"));
        assertEquals("[\"prod\"]", JSON.readTree(values.body()).get("data").toString(), values.body());
    }

    /**
     * vmalert evaluates a recording rule through nginx with dev's read token and writes the result back with dev's
     * write token: the sum covers dev's series only (1, not 1 + 2).
     */
    @Test
    void vmalertRuleThroughNginxSeesOnlyItsTeam(@TempDir Path dir) throws Exception {
        Path rules = dir.resolve("rules.yaml");
        Files.writeString(rules, "groups:\n  - name: nginx-it\n    interval: 1s\n    rules:\n"
                + "      - record: nginx_it_vmalert_sum\n        expr: sum(" + METRIC + ")\n");
        int port = FreePort.pick();
        URI base = URI.create("http://127.0.0.1:" + port);
        try (ManagedProcess vmalert = ManagedProcess.start("vmalert", List.of(
                DebianPackages.ensureInstalled("/usr/bin/vmalert", "victoria-metrics").toString(),
                "-httpListenAddr=127.0.0.1:" + port,
                "-rule=" + rules,
                "-datasource.url=" + nginxUri(""),
                "-datasource.bearerToken=" + token(1, "dev"),
                "-remoteWrite.url=" + nginxUri(""),
                "-remoteWrite.bearerToken=" + token(2, "dev"),
                "-remoteWrite.flushInterval=100ms",
                "-evaluationInterval=1s"), dir.resolve("vmalert.log"), Duration.ofSeconds(20),
                () -> status(base.resolve("/health")) == 200)) {
            List<JsonNode> written = vm.awaitExported("{__name__=\"nginx_it_vmalert_sum\"}", 1);
            JsonNode series = written.get(0);
            assertEquals("dev", series.get("metric").get("team").asText(), series.toString());
            for (JsonNode v : series.get("values")) {
                assertEquals(1.0, v.asDouble(), "sum over dev's series only: " + series + "\n" + vmalert.logTail());
            }
        }
    }

    @Test
    void writeTokenCannotRead() throws Exception {
        HttpResponse<String> r = get("/api/v1/query?query=" + METRIC, token(2, "dev"));
        assertEquals(403, r.statusCode(), r.body());
        assertEquals("mode_forbids_read", r.headers().firstValue("x-tsgate-reason").orElseThrow());
    }

    // ---- denials -------------------------------------------------------------------------------------------

    @Test
    void badTokenGets401WithChallengeAndJson() throws Exception {
        HttpResponse<String> r = get("/api/v1/query?query=" + METRIC, "not-a-jwt");
        assertEquals(401, r.statusCode(), r.body());
        assertEquals(List.of("Bearer error=\"invalid_token\""), r.headers().allValues("www-authenticate"));
        assertEquals("unauthorized", JSON.readTree(r.body()).get("errorType").asText());
        assertFalse(r.body().contains("not-a-jwt"));
        assertEquals(401, get("/api/v1/query?query=" + METRIC, null).statusCode(), "no token");
    }

    @Test
    void malformedRequestGetsTheReal400ThroughTheStatusHeader() throws Exception {
        HttpResponse<String> r = get("/select/0:0/prometheus/api/v1/query?query=" + METRIC, token(1, "dev"));
        assertEquals(400, r.statusCode(), r.body());
        assertEquals("bad_data", JSON.readTree(r.body()).get("errorType").asText());
        assertEquals(400, get("/api/v1/../v1/query?query=" + METRIC, token(1, "dev")).statusCode(), "dot segments");
    }

    /**
     * The real limiter behind nginx: a tsgate started with {@code -enable.rateLimit} and a limit file of two queries an
     * hour (its clock frozen, so the window cannot roll over during the test) refuses the third query; nginx
     * passes on the 429, its headers and body, and tsgate records the reason it emits, {@code limit_queries}.
     */
    @Test
    void rateLimitDenialGetsThe429AndItsHeadersThroughNginx(@TempDir Path dir) throws Exception {
        Instant now = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        Path limits = dir.resolve("limits.yaml");
        Files.writeString(limits, "limits: [{type: queries, value: 2, resolution: hour}]\n");
        try (InProcessGateway limited = InProcessGateway.start(new io.tsgate.testing.MutableClock(now),
                "-auth.publicKeyFiles=" + publicKeyFile, "-http.trustedProxyHops=1", "-enable.rateLimit",
                "-ratelimit.config=" + limits);
             NginxServer limitedNginx = startNginx(limited.httpPort())) {
            String token = token(1, "dev");
            URI query = URI.create("http://127.0.0.1:" + limitedNginx.port() + "/api/v1/query?query=" + METRIC);
            for (int i = 0; i < 2; i++) {
                HttpResponse<String> ok = client.send(HttpRequest.newBuilder(query).header("Authorization", "Bearer " + token)
                        .build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, ok.statusCode(), ok.body());
            }
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(query).header("Authorization", "Bearer " + token)
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(429, r.statusCode(), r.body());
            String reset = Long.toString(3600 - now.getEpochSecond() % 3600);
            assertEquals(reset, r.headers().firstValue("retry-after").orElseThrow());
            assertEquals("2", r.headers().firstValue("ratelimit-limit").orElseThrow());
            assertEquals("0", r.headers().firstValue("ratelimit-remaining").orElseThrow());
            assertEquals(reset, r.headers().firstValue("ratelimit-reset").orElseThrow());
            assertEquals("too_many_requests", JSON.readTree(r.body()).get("errorType").asText());
            assertFalse(r.body().contains(METRIC), r.body());
            assertTrue(r.headers().allValues("www-authenticate").isEmpty(), "no challenge on 429");
            assertEquals(1, limited.metric("tsgate_decisions_total",
                    "decision=\"deny\",reason=\"limit_queries\""),
                    () -> limited.get("/metrics").body().lines().filter(l -> l.startsWith("tsgate_decisions_total"))
                            .toList().toString());
            assertEquals(1, limited.metric("tsgate_tenant_limit_hits_total", "type=\"queries\""));
        }
    }

    /**
     * nginx's {@code auth_request} never hands tsgate the body, so a write of a tenant with a row limit cannot be
     * counted: it is refused (403 write_not_countable, through nginx) and nothing reaches VictoriaMetrics. A tenant
     * without write limits writes through the same nginx as before.
     */
    @Test
    void limitedTenantsWriteIsRefusedAndNotStoredUnlimitedPasses(@TempDir Path dir) throws Exception {
        Path limits = dir.resolve("limits.yaml");
        Files.writeString(limits, "limits: [{type: rows_inserted, value: 1000, resolution: hour, account_id: 7, project_id: 0}]\n");
        try (InProcessGateway limited = InProcessGateway.start("-auth.publicKeyFiles=" + publicKeyFile,
                "-http.trustedProxyHops=1", "-enable.rateLimit", "-ratelimit.config=" + limits);
             NginxServer limitedNginx = startNginx(limited.httpPort())) {
            URI write = URI.create("http://127.0.0.1:" + limitedNginx.port() + "/api/v1/import/prometheus");
            HttpResponse<String> refused = client.send(HttpRequest.newBuilder(write)
                    .header("Authorization", "Bearer " + token(2, "dev", 7))
                    .POST(HttpRequest.BodyPublishers.ofString("nginx_limited_write 1\n")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(403, refused.statusCode(), refused.body());
            assertTrue(JSON.readTree(refused.body()).get("error").asText().contains("no write body is counted"),
                    refused.body());
            HttpResponse<String> passed = client.send(HttpRequest.newBuilder(write)
                    .header("Authorization", "Bearer " + token(2, "dev", 0))
                    .POST(HttpRequest.BodyPublishers.ofString("nginx_unlimited_write 1\n")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(204, passed.statusCode(), passed.body());
            vm.awaitExported("{__name__=\"nginx_unlimited_write\",team=\"dev\"}", 1);
            vm.flush();
            assertEquals(List.of(), vm.querySeries("{__name__=\"nginx_limited_write\"}"), "nothing of it was stored");
            assertEquals(1, limited.metric("tsgate_decisions_total", "adapter=\"forward_auth_nginx\",class=\"write\","
                    + "decision=\"deny\",reason=\"write_not_countable\""));
        }
    }

    /** An auth endpoint that answers 200 without x-tsgate-path (not tsgate) must not forward the client's path. */
    @Test
    void allowWithoutAPathNeverForwardsTheClientsPath() throws Exception {
        String shipped = Files.readString(SHIPPED_CONFIG);
        // The fake auth server is a second listener of the same nginx: its port is picked afresh on each start attempt.
        try (NginxServer misconfigured = NginxServer.start(port -> {
            int fakeAuth = FreePort.pick();
            return shipped
                    .replace("server 127.0.0.1:8431;", "server 127.0.0.1:" + fakeAuth + ";")
                    .replace("server 127.0.0.1:8428;", "server " + vm.baseUri().getAuthority() + ";")
                    .replace("listen 127.0.0.1:8427;", "listen 127.0.0.1:" + port + ";")
                    + "\nserver { listen 127.0.0.1:" + fakeAuth + "; location / { return 200; } }\n";
        })) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + misconfigured.port() + "/api/v1/query?query=" + METRIC)).build(), HttpResponse.BodyHandlers.ofString());
            assertFalse(r.body().contains(METRIC), "data leaked: " + r.body());
            assertTrue(r.statusCode() >= 400, r.statusCode() + " " + r.body());
        }
    }

    @Test
    void decisionsAreCountedUnderTheNginxAdapter() throws Exception {
        get("/api/v1/query?query=" + METRIC, token(1, "dev"));
        HttpResponse<String> metrics = client.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + gateway.httpPort() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertTrue(metrics.body().contains("tsgate_decisions_total{adapter=\"forward_auth_nginx\",class=\"read\",decision=\"allow\",reason=\"ok\"}"),
                metrics.body());
        assertTrue(metrics.body().contains("tsgate_decisions_total{adapter=\"forward_auth_nginx\",class=\"write\",decision=\"allow\",reason=\"ok\"}"),
                "vmagent's remote writes were authorized through nginx");
    }
}

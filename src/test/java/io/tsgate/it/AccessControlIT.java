package io.tsgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.net.URI;
import java.net.URLEncoder;
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
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * tsgate's label and mode confinement, end to end: client → {@link EnvoyStandIn} → tsgate (ext_authz) → real
 * VictoriaMetrics 1.79.5, single-node. Seeded data: {@code it_metric} for team dev and prod, and
 * {@code it_prod_only{secret="s"}} for prod only; "prod", "it_prod_only" and "secret" must never reach a dev token.
 */
@ExtendWith(ExternalServers.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AccessControlIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ALL_IT = "{__name__=~\"it_.*\"}";

    private VictoriaMetricsServer vm;
    private Gateway gateway;
    private ManagedChannel channel;
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
        channel = ManagedChannelBuilder.forAddress("127.0.0.1", gateway.grpcPort()).usePlaintext().build();
        // envoy/envoy-single.yaml: its read routes forward form bodies to tsgate, as users run it; the 0.5s Check
        // timeout is widened for a CI machine shared by many builds.
        envoy = EnvoyStandIn.builder(EnvoyConfig.single()).grpc("tsgate", channel).cluster("victoriametrics", vm.baseUri())
                .checkTimeout(Duration.ofSeconds(5)).start();
    }

    @AfterAll
    void stop() {
        if (envoy != null) {
            envoy.close();
        }
        if (channel != null) {
            channel.shutdownNow();
        }
        if (gateway != null) {
            gateway.close();
        }
    }

    @BeforeEach
    void seed() {
        vm.deleteAll();
        vm.importPrometheus("it_metric{team=\"dev\",job=\"a\"} 1\n"
                + "it_metric{team=\"prod\",job=\"b\"} 2\n"
                + "it_prod_only{team=\"prod\",secret=\"s\"} 3\n");
        vm.awaitExported(ALL_IT, 3);
        vm.awaitQueryable(ALL_IT, 3);
    }

    // ---- writes ---------------------------------------------------------------------------------------------

    @Test
    void writeTokenLabelsWhatItWrites() throws Exception {
        HttpResponse<String> r = post("/api/v1/import/prometheus", token(2, Map.of("team", "dev"), List.of()),
                "text/plain", "it_written{job=\"w\"} 1\n");
        assertEquals(204, r.statusCode(), r.body());
        vm.flush();
        assertEquals(List.of(Map.of("__name__", "it_written", "job", "w", "team", "dev")),
                vm.querySeries("it_written"));
    }

    @Test
    void writerCannotOverrideTheTokenLabelInTheBody() throws Exception {
        HttpResponse<String> r = post("/api/v1/import/prometheus?extra_label=team=prod",
                token(2, Map.of("team", "dev"), List.of()), "text/plain", "it_forged{team=\"prod\",job=\"f\"} 1\n");
        assertEquals(204, r.statusCode(), r.body());
        vm.flush();
        List<Map<String, String>> series = vm.querySeries("it_forged");
        if (series.stream().anyMatch(s -> !"dev".equals(s.get("team")))) {
            fail("SECURITY: a team=dev write token stored a series outside its label: " + series);
        }
        assertEquals(List.of(Map.of("__name__", "it_forged", "job", "f", "team", "dev")), series);
    }

    @Test
    void readTokenCannotWrite() throws Exception {
        HttpResponse<String> r = post("/api/v1/import/prometheus", token(1, Map.of("team", "dev"), List.of()),
                "text/plain", "it_read_write 1\n");
        assertEquals(403, r.statusCode(), r.body());
        vm.flush();
        assertEquals(List.of(), vm.querySeries("it_read_write"));
    }

    @Test
    void writeTokenCannotRead() throws Exception {
        assertEquals(403, get("/api/v1/query?query=it_metric", token(2, Map.of("team", "dev"), List.of()))
                .statusCode());
    }

    @Test
    void expiredTokenIsUnauthorizedWithChallenge() throws Exception {
        String expired = token(1, Map.of("team", "dev"), List.of(), Instant.now().minusSeconds(3600));
        HttpResponse<String> r = get("/api/v1/query?query=it_metric", expired);
        assertEquals(401, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("www-authenticate").orElse("").startsWith("Bearer"),
                r.headers().map().toString());
    }

    @Test
    void missingTokenIsUnauthorized() throws Exception {
        assertEquals(401, get("/api/v1/query?query=it_metric", null).statusCode());
    }

    // ---- read confinement, endpoint by endpoint -------------------------------------------------------------

    static Stream<String> confinedReadEndpoints() {
        return Stream.of(
                "/api/v1/query?query=" + enc("it_metric"),
                "/api/v1/query?query=" + enc(ALL_IT),
                "/api/v1/query?query=" + enc("count by (team, __name__, secret) ({__name__=~\".+\"})"),
                // No end (VictoriaMetrics uses now) and a 1s step: the list is built at discovery, before the data exists,
                // and a coarser step aligns the last point before the seconds-old samples.
                "/api/v1/query_range?query=" + enc(ALL_IT) + "&start=" + (Instant.now().getEpochSecond() - 900)
                        + "&step=1",
                "/api/v1/series?match[]=" + enc(ALL_IT),
                "/api/v1/labels",
                "/api/v1/label/team/values",
                "/api/v1/label/__name__/values",
                "/api/v1/label/secret/values",
                "/api/v1/export?match[]=" + enc(ALL_IT),
                "/federate?match[]=" + enc(ALL_IT),
                "/prometheus/api/v1/query?query=" + enc(ALL_IT),
                "/prometheus/api/v1/series?match[]=" + enc(ALL_IT));
    }

    @ParameterizedTest
    @MethodSource("confinedReadEndpoints")
    void devReadTokenSeesOnlyDevData(String target) throws Exception {
        HttpResponse<String> r = get(target, token(1, Map.of("team", "dev"), List.of()));
        assertEquals(200, r.statusCode(), target + " -> " + r.body());
        assertConfinedToDev(target, r.body());
        // query_range over seconds-old data comes back empty from 1.79.5 even straight from VM (not yet
        // understood), so it is checked for confinement only.
        boolean expectsData = !target.startsWith("/api/v1/query_range")
                && (target.contains("it_metric") || target.contains("%7B__name__"));
        if (expectsData) {
            assertTrue(r.body().contains("dev") || target.startsWith("/api/v1/label"),
                    "dev data expected for " + target + ": " + r.body() + " (forwarded " + forwardedPath() + ")");
        }
    }

    @ParameterizedTest
    @MethodSource("confinedReadEndpoints")
    void anotherTeamSeesNoneOfIt(String target) throws Exception {
        HttpResponse<String> r = get(target, token(1, Map.of("team", "qa"), List.of()));
        assertEquals(200, r.statusCode(), target + " -> " + r.body());
        for (String marker : List.of("\"dev\"", "team=\"dev\"", "prod", "it_metric", "it_prod_only", "secret")) {
            assertFalse(r.body().contains(marker), "SECURITY: team=qa token saw " + marker + " via " + target
                    + ": " + r.body());
        }
    }

    @Test
    void devValuesOfTeamAreExactlyDev() throws Exception {
        JsonNode body = JSON.readTree(get("/api/v1/label/team/values", token(1, Map.of("team", "dev"), List.of()))
                .body());
        assertEquals("[\"dev\"]", body.get("data").toString());
    }

    @Test
    void extraFiltersTokenIsConfinedToo() throws Exception {
        String t = token(1, Map.of(), List.of("{team=\"dev\"}"));
        HttpResponse<String> r = get("/api/v1/query?query=" + enc("it_metric") + "&extra_filters[]="
                + enc("{team=\"prod\"}"), t);
        // VictoriaMetrics ORs extra_filters[]; a client-supplied one would widen the token's filter.
        if (r.statusCode() == 200) {
            assertConfinedToDev("extra_filters token + client filter", r.body());
        } else {
            assertEquals(400, r.statusCode(), r.body());
        }
        assertConfinedToDev("extra_filters token", get("/api/v1/series?match[]=" + enc(ALL_IT), t).body());
    }

    /** Endpoints that report over all data; tsgate must not open them to label-restricted tokens. */
    @ParameterizedTest
    @ValueSource(strings = {"/api/v1/status/tsdb", "/api/v1/status/top_queries", "/api/v1/status/active_queries",
        "/prometheus/api/v1/status/tsdb"})
    void crossTenantStatusEndpointsAreForbiddenToRestrictedTokens(String target) throws Exception {
        HttpResponse<String> r = get(target, token(1, Map.of("team", "dev"), List.of()));
        assertEquals(403, r.statusCode(), target + " -> " + r.body());
    }

    // ---- widening attempts ------------------------------------------------------------------------------------

    static Stream<String> wideningTargets() {
        String q = "/api/v1/query?query=" + enc(ALL_IT);
        return Stream.of(
                q + "&extra_label=" + enc("team=prod"),
                q + "&extra_filters[]=" + enc("{team=\"prod\"}"),
                q + "&extra_filters=" + enc("{team=~\".*\"}"),
                q + "&extra%5Flabel=" + enc("team=prod"),
                q + "&extra_filters%5B%5D=" + enc("{team=\"prod\"}"),
                q + "&extra_filters%5b%5d=" + enc("{team=~\".*\"}"),
                "/api/v1/query?query=" + enc("it_metric{team=\"prod\"}"),
                "/api/v1/query?query=" + enc("it_metric or it_prod_only"),
                "/api/v1/query?query=" + enc("label_replace(it_metric, \"team\", \"dev\", \"team\", \".*\")"),
                "/api/v1/series?match[]=" + enc("it_prod_only") + "&match[]=" + enc(ALL_IT),
                "/graphite/api/v1/query?query=" + enc(ALL_IT),
                "/prometheus/api/v1/query?query=" + enc(ALL_IT) + "&extra_label=" + enc("team=prod"));
    }

    @ParameterizedTest
    @MethodSource("wideningTargets")
    void wideningAttemptsAreDeniedOrConfined(String target) throws Exception {
        HttpResponse<String> r = get(target, token(1, Map.of("team", "dev"), List.of()));
        if (r.statusCode() == 200) {
            assertConfinedToDev(target, r.body());
        } else {
            assertTrue(r.statusCode() == 400 || r.statusCode() == 403, target + " -> " + r.statusCode() + " "
                    + r.body());
        }
    }

    /**
     * Doubled slashes and tenant-carrying paths are 400 from tsgate; encoded slashes are 400 from Envoy
     * (path_with_escaped_slashes_action: REJECT_REQUEST) before tsgate sees them.
     */
    @ParameterizedTest
    @ValueSource(strings = {"//api/v1/query?query=it_metric", "/api/v1/query%2F?query=it_metric",
        "/select/0:0/prometheus/api/v1/query?query=it_metric", "/insert/0:0/prometheus/api/v1/import/prometheus",
        "/delete/0:0/prometheus/api/v1/admin/tsdb/delete_series?match[]=it_metric"})
    void unsafePathsAreBadRequests(String target) throws Exception {
        HttpResponse<String> r = get(target, token(1, Map.of("team", "dev"), List.of()));
        assertEquals(400, r.statusCode(), target + " -> " + r.body());
    }

    /**
     * Envoy's normalize_path (envoy/*.yaml) resolves dot segments, "%2e" spelled ones too, before any filter: tsgate
     * authorizes and VictoriaMetrics serves the same resolved path, confined. (Data planes that do not normalize get
     * tsgate's own 400 for dot segments.)
     */
    @ParameterizedTest
    @ValueSource(strings = {"/api/v1/../v1/query?query=it_metric", "/api/v1/%2e%2e/v1/query?query=it_metric",
        "/api/v1/./query?query=it_metric"})
    void dotSegmentsAreResolvedByEnvoyBeforeTsgate(String target) throws Exception {
        HttpResponse<String> r = get(target, token(1, Map.of("team", "dev"), List.of()));
        assertEquals(200, r.statusCode(), target + " -> " + r.body());
        assertEquals("/api/v1/query?query=it_metric",
                envoy.lastCheck().request().getAttributes().getRequest().getHttp().getPath());
        assertConfinedToDev(target, r.body());
    }

    @Test
    void prometheusPrefixWorksConfined() throws Exception {
        HttpResponse<String> r = get("/prometheus/api/v1/query?query=" + enc("it_metric"),
                token(1, Map.of("team", "dev"), List.of()));
        assertEquals(200, r.statusCode(), r.body());
        assertConfinedToDev("/prometheus", r.body());
        assertTrue(r.body().contains("dev"), r.body());
    }

    @Test
    void formBodyWithLabelParametersIsDeniedOrConfined() throws Exception {
        HttpResponse<String> r = post("/api/v1/query", token(1, Map.of("team", "dev"), List.of()),
                "application/x-www-form-urlencoded",
                "query=" + enc(ALL_IT) + "&extra_filters[]=" + enc("{team=~\".*\"}") + "&extra_label=" + enc("team=prod"));
        if (r.statusCode() == 200) {
            assertConfinedToDev("form body", r.body());
        } else {
            assertEquals(400, r.statusCode(), r.body());
        }
    }

    @Test
    void plainFormQueryWorksConfined() throws Exception {
        HttpResponse<String> r = post("/api/v1/query", token(1, Map.of("team", "dev"), List.of()),
                "application/x-www-form-urlencoded", "query=" + enc(ALL_IT));
        assertEquals(200, r.statusCode(), r.body());
        assertConfinedToDev("form query", r.body());
        assertTrue(r.body().contains("dev"), r.body() + " (forwarded " + forwardedPath() + ")");
    }

    @Test
    void multipartBodyOnReadIsDenied() throws Exception {
        String boundary = "itboundary";
        String body = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"query\"\r\n\r\n" + ALL_IT
                + "\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"extra_filters[]\"\r\n\r\n"
                + "{team=~\".*\"}\r\n--" + boundary + "--\r\n";
        HttpResponse<String> r = post("/api/v1/query", token(1, Map.of("team", "dev"), List.of()),
                "multipart/form-data; boundary=" + boundary, body);
        assertTrue(r.statusCode() == 400 || r.statusCode() == 403, r.statusCode() + " " + r.body());
    }

    @Test
    void tenantAndGatewayHeadersFromClientsAreNotForwarded() throws Exception {
        HttpResponse<String> r = send(HttpRequest.newBuilder(uri("/api/v1/query?query=" + enc(ALL_IT)))
                .header("Authorization", "Bearer " + token(1, Map.of("team", "dev"), List.of()))
                .header("AccountID", "1").header("ProjectID", "2")
                .header("x-tsgate-tenant", "7:7").header("x-tsgate-class", "admin").GET());
        assertEquals(200, r.statusCode(), r.body());
        assertConfinedToDev("forged headers", r.body());
        HeaderList forwarded = envoy.lastForwarded().headers();
        assertNull(forwarded.first("accountid"));
        assertNull(forwarded.first("projectid"));
        assertNull(forwarded.first("authorization"), "the credential must not reach VictoriaMetrics");
        assertEquals(List.of("0:0"), forwarded.all("x-tsgate-tenant"));
        assertEquals(List.of("read"), forwarded.all("x-tsgate-class"));
        assertTrue(envoy.lastForwarded().path().contains("extra_label=team%3Ddev")
                || envoy.lastForwarded().path().contains("extra_label=team=dev"), envoy.lastForwarded().path());
    }

    @Test
    void allowCarriesTenantAndClassMetadata() throws Exception {
        get("/api/v1/query?query=it_metric", token(1, Map.of("team", "dev"), List.of()));
        var fields = envoy.lastCheck().response().getDynamicMetadata().getFieldsMap();
        assertEquals("0:0", fields.get("tenant").getStringValue());
        assertEquals("read", fields.get("class").getStringValue());
    }

    // ---- helpers ------------------------------------------------------------------------------------------------

    private String forwardedPath() {
        EnvoyStandIn.Forwarded f = envoy.lastForwarded();
        return f == null ? "nothing" : f.method() + " " + f.path();
    }

    private static void assertConfinedToDev(String what, String body) {
        for (String marker : List.of("prod", "it_prod_only", "secret")) {
            if (body.contains(marker)) {
                fail("SECURITY: team=dev token got '" + marker + "' via " + what + ": " + body);
            }
        }
    }

    private String token(int mode, Map<String, String> labels, List<String> filters) throws Exception {
        return token(mode, labels, filters, Instant.now().plusSeconds(600));
    }

    private String token(int mode, Map<String, String> labels, List<String> filters, Instant exp) throws Exception {
        Map<String, Object> access = new LinkedHashMap<>();
        access.put("tenant_id", Map.of("account_id", 0, "project_id", 0));
        access.put("extra_labels", labels);
        access.put("extra_filters", filters);
        access.put("mode", mode);
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("it").build(),
                new JWTClaimsSet.Builder().subject("it-" + mode).expirationTime(Date.from(exp))
                        .claim("vm_access", access).build());
        jwt.sign(new RSASSASigner(signingKey));
        return jwt.serialize();
    }

    private HttpResponse<String> get(String target, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(target)).GET();
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return send(b);
    }

    private HttpResponse<String> post(String target, String token, String contentType, String body) throws Exception {
        return send(HttpRequest.newBuilder(uri(target)).header("Authorization", "Bearer " + token)
                .header("Content-Type", contentType).POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    private HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
        return client.send(b.timeout(Duration.ofSeconds(15)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String target) {
        return URI.create(envoy.baseUri() + target);
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}

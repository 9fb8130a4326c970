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
import org.junit.jupiter.params.provider.Arguments;
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
    /**
     * The team write tests write as. Not dev: VictoriaMetrics 1.79.5's label APIs still list the labels of deleted
     * series, so series a write test stored under team=dev would show in the exact label answers of later read tests.
     */
    private static final String WRITERS = "writers";

    private VictoriaMetricsServer vm;
    private Gateway gateway;
    private ManagedChannel channel;
    private EnvoyStandIn envoy;
    private RSAKey signingKey;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    /**
     * Its own VictoriaMetrics: the exact answers below (label names and values) would otherwise list series that
     * other test classes store under team=dev in the shared instance.
     */
    @BeforeAll
    void start(@TempDir Path keys) throws Exception {
        this.vm = VictoriaMetricsServer.start();
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
        if (vm != null) {
            vm.close();
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
        HttpResponse<String> r = post("/api/v1/import/prometheus", token(2, Map.of("team", WRITERS), List.of()),
                "text/plain", "it_written{job=\"w\"} 1\n");
        assertEquals(204, r.statusCode(), r.body());
        vm.flush();
        assertEquals(List.of(Map.of("__name__", "it_written", "job", "w", "team", WRITERS)),
                vm.querySeries("it_written"));
    }

    @Test
    void writerCannotOverrideTheTokenLabelInTheBody() throws Exception {
        HttpResponse<String> r = post("/api/v1/import/prometheus?extra_label=team=prod",
                token(2, Map.of("team", WRITERS), List.of()), "text/plain", "it_forged{team=\"prod\",job=\"f\"} 1\n");
        assertEquals(204, r.statusCode(), r.body());
        vm.flush();
        List<Map<String, String>> series = vm.querySeries("it_forged");
        if (series.stream().anyMatch(s -> !WRITERS.equals(s.get("team")))) {
            fail("SECURITY: a team=writers write token stored a series outside its label: " + series);
        }
        assertEquals(List.of(Map.of("__name__", "it_forged", "job", "f", "team", WRITERS)), series);
    }

    /**
     * VictoriaMetrics ignores extra_filters on imports: forwarded, this write would store {@code team="prod"} data
     * for a token whose filters say {@code team="dev"}. It is refused and nothing is stored.
     */
    @Test
    void filterOnlyTokenCannotWrite() throws Exception {
        String filterOnly = token(3, Map.of(), List.of("{team=\"dev\"}"));
        HttpResponse<String> r = post("/api/v1/import/prometheus", filterOnly, "text/plain",
                "it_filter_only{team=\"prod\"} 1\n");
        assertEquals(403, r.statusCode(), r.body());
        assertTrue(r.body().contains("extra_labels"), r.body());
        HttpResponse<String> rw = post("/api/v1/write", filterOnly, "application/x-protobuf", "");
        assertEquals(403, rw.statusCode(), rw.body());
        assertEquals(200, get("/api/v1/query?query=it_metric", filterOnly).statusCode(), "its reads still work");
        vm.flush();
        assertEquals(List.of(), vm.querySeries("it_filter_only"));
    }

    @Test
    void tokenWithLabelsAndFiltersWritesWithItsLabels() throws Exception {
        HttpResponse<String> r = post("/api/v1/import/prometheus",
                token(3, Map.of("team", WRITERS), List.of("{job=~\"a|w\"}")), "text/plain",
                "it_labelled{team=\"prod\",job=\"w\"} 1\n");
        assertEquals(204, r.statusCode(), r.body());
        vm.flush();
        assertEquals(List.of(Map.of("__name__", "it_labelled", "job", "w", "team", WRITERS)),
                vm.querySeries("it_labelled"));
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

    /** Modes 1 (read) and 3 (read+write) never reach admin endpoints: the delete is refused and every series stays. */
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3})
    void onlyFullModeMayDeleteSeries(int mode) throws Exception {
        for (String target : List.of("/api/v1/admin/tsdb/delete_series?match[]=" + enc(ALL_IT),
                "/prometheus/api/v1/admin/tsdb/delete_series?match[]=" + enc("it_metric"))) {
            HttpResponse<String> r = get(target, token(mode, Map.of(), List.of()));
            assertEquals(403, r.statusCode(), target + " -> " + r.body());
            assertTrue(r.body().contains("the token's mode does not allow admin requests"), r.body());
        }
        vm.flush();
        assertEquals(3, vm.export(ALL_IT).size(), "nothing was deleted");
        assertEquals(3, vm.querySeries(ALL_IT).size(), "nothing was deleted");
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

    /** The dev series every confined read must return, and nothing else. */
    private static final String DEV_SERIES = "{__name__=it_metric, job=a, team=dev}";

    /**
     * Each confined read endpoint with the exact answer a team=dev token must get and the exact answer a team=qa token
     * (no data) must get, as {@link #answer} reduces a response body: series with their sample values for queries
     * and exports (timestamps dropped), label sets, label names and values, CSV and federate lines.
     * {@code {start}} and {@code {end}} are replaced when the test runs (the list is built at discovery, before the data
     * exists); query_range ends a minute ahead, since 1.79.5 returned no points for seconds-old samples with end=now
     * after a delete-and-reimport of the same series.
     */
    static Stream<Arguments> confinedReadEndpoints() {
        String devSample = "[" + DEV_SERIES + "=[1]]";
        return Stream.of(
                Arguments.of("/api/v1/query?query=" + enc("it_metric"), devSample, "[]"),
                Arguments.of("/api/v1/query?query=" + enc(ALL_IT), devSample, "[]"),
                Arguments.of("/api/v1/query?query=" + enc("count by (team, __name__, secret) ({__name__=~\".+\"})"),
                        "[{__name__=it_metric, team=dev}=[1]]", "[]"),
                Arguments.of("/api/v1/query_range?query=" + enc(ALL_IT) + "&start={start}&end={end}&step=1", devSample, "[]"),
                Arguments.of("/api/v1/series?match[]=" + enc(ALL_IT), "[" + DEV_SERIES + "]", "[]"),
                // VictoriaMetrics 1.79.5 lists __name__ even when no series matches.
                Arguments.of("/api/v1/labels", "[__name__, job, team]", "[__name__]"),
                Arguments.of("/api/v1/label/team/values", "[dev]", "[]"),
                Arguments.of("/api/v1/label/__name__/values", "[it_metric]", "[]"),
                Arguments.of("/api/v1/label/secret/values", "[]", "[]"),
                Arguments.of("/api/v1/export?match[]=" + enc(ALL_IT), devSample, "[]"),
                Arguments.of("/api/v1/export/csv?format=__name__,team,job,secret,__value__&match[]=" + enc(ALL_IT),
                        "[it_metric,dev,a,,1]", "[]"),
                Arguments.of("/federate?match[]=" + enc(ALL_IT), "[it_metric{job=\"a\",team=\"dev\"} 1]", "[]"),
                Arguments.of("/prometheus/api/v1/query?query=" + enc(ALL_IT), devSample, "[]"),
                Arguments.of("/prometheus/api/v1/query_range?query=" + enc("it_metric") + "&start={start}&end={end}&step=1",
                        devSample, "[]"),
                Arguments.of("/prometheus/api/v1/series?match[]=" + enc(ALL_IT), "[" + DEV_SERIES + "]", "[]"),
                Arguments.of("/prometheus/api/v1/labels", "[__name__, job, team]", "[__name__]"),
                Arguments.of("/prometheus/api/v1/label/job/values", "[a]", "[]"),
                Arguments.of("/prometheus/api/v1/export?match[]=" + enc(ALL_IT), devSample, "[]"),
                Arguments.of("/prometheus/federate?match[]=" + enc(ALL_IT), "[it_metric{job=\"a\",team=\"dev\"} 1]",
                        "[]"));
    }

    private static String at(String target) {
        long now = Instant.now().getEpochSecond();
        return target.replace("{start}", Long.toString(now - 900)).replace("{end}", Long.toString(now + 60));
    }

    @ParameterizedTest
    @MethodSource("confinedReadEndpoints")
    void devReadTokenGetsExactlyTheDevData(String target, String dev, String qa) throws Exception {
        HttpResponse<String> r = get(at(target), token(1, Map.of("team", "dev"), List.of()));
        assertEquals(200, r.statusCode(), target + " -> " + r.body());
        assertConfinedToDev(target, r.body());
        assertEquals(dev, answer(target, r.body()), target + " -> " + r.body() + " (forwarded " + forwardedPath() + ")");
    }

    @ParameterizedTest
    @MethodSource("confinedReadEndpoints")
    void anotherTeamGetsExactlyNothing(String target, String dev, String qa) throws Exception {
        HttpResponse<String> r = get(at(target), token(1, Map.of("team", "qa"), List.of()));
        assertEquals(200, r.statusCode(), target + " -> " + r.body());
        assertEquals(qa, answer(target, r.body()), "SECURITY: team=qa token via " + target + ": " + r.body());
    }

    /**
     * export/native's blob is opaque, so it is judged by what it holds: imported into a second, empty
     * VictoriaMetrics, it must export exactly the dev series with its value and timestamp, as the first one does.
     */
    @Test
    void nativeExportHoldsExactlyTheDevData() throws Exception {
        HttpResponse<byte[]> blob = client.send(HttpRequest.newBuilder(uri("/api/v1/export/native?match[]=" + enc(ALL_IT)))
                .header("Authorization", "Bearer " + token(1, Map.of("team", "dev"), List.of())).timeout(Duration.ofSeconds(15))
                .build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, blob.statusCode());
        List<JsonNode> expected = vm.export("{__name__=\"it_metric\",team=\"dev\"}");
        assertEquals(1, expected.size(), expected.toString());
        try (VictoriaMetricsServer second = VictoriaMetricsServer.start()) {
            HttpResponse<String> imported = client.send(HttpRequest.newBuilder(second.baseUri().resolve("/api/v1/import/native"))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(blob.body())).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(204, imported.statusCode(), imported.body());
            List<JsonNode> got = second.awaitExported(ALL_IT, 1);
            assertEquals(expected.toString(), got.toString(), "the blob held exactly the dev series");
        }
    }

    /** A response body reduced to what it says about the data (see {@link #confinedReadEndpoints}). */
    private static String answer(String target, String body) throws Exception {
        String path = target.replaceFirst("^/prometheus", "").replaceFirst("\\?.*", "");
        if (path.equals("/api/v1/export/csv")) {
            return body.lines().filter(l -> !l.isBlank()).sorted().toList().toString();
        }
        if (path.equals("/federate")) {
            return body.lines().filter(l -> !l.isBlank() && !l.startsWith("#"))
                    .map(l -> l.substring(0, l.lastIndexOf(' '))).sorted().toList().toString();
        }
        if (path.equals("/api/v1/export")) {
            List<String> out = new java.util.ArrayList<>();
            for (String line : body.lines().filter(l -> !l.isBlank()).toList()) {
                JsonNode n = JSON.readTree(line);
                out.add(labels(n.get("metric")) + "=" + values(n.get("values")));
            }
            return out.stream().sorted().toList().toString();
        }
        JsonNode data = JSON.readTree(body).get("data");
        if (path.equals("/api/v1/query") || path.equals("/api/v1/query_range")) {
            List<String> out = new java.util.ArrayList<>();
            for (JsonNode r : data.get("result")) {
                JsonNode values = r.has("values") ? r.get("values") : JSON.createArrayNode().add(r.get("value"));
                List<JsonNode> samples = new java.util.ArrayList<>();
                values.forEach(v -> samples.add(v.get(1)));
                out.add(labels(r.get("metric")) + "=" + values(JSON.valueToTree(samples)));
            }
            return out.stream().sorted().toList().toString();
        }
        if (path.equals("/api/v1/series")) {
            List<String> out = new java.util.ArrayList<>();
            data.forEach(n -> out.add(labels(n)));
            return out.stream().sorted().toList().toString();
        }
        List<String> out = new java.util.ArrayList<>();
        data.forEach(n -> out.add(n.asText()));
        return out.stream().sorted().toList().toString();
    }

    private static String labels(JsonNode metric) {
        java.util.TreeMap<String, String> m = new java.util.TreeMap<>();
        metric.fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().asText()));
        return m.toString();
    }

    /** Distinct sample values in order of first appearance (a range query repeats the one sample at every step). */
    private static String values(JsonNode values) {
        java.util.LinkedHashSet<String> v = new java.util.LinkedHashSet<>();
        values.forEach(x -> v.add(x.asText()));
        return v.toString();
    }

    @Test
    void extraFiltersTokenIsConfinedToo() throws Exception {
        String t = token(1, Map.of(), List.of("{team=\"dev\"}"));
        String target = "/api/v1/query?query=" + enc("it_metric") + "&extra_filters[]=" + enc("{team=\"prod\"}");
        HttpResponse<String> r = get(target, t);
        // VictoriaMetrics ORs extra_filters[]; a client-supplied one would widen the token's filter.
        if (r.statusCode() == 200) {
            assertEquals("[" + DEV_SERIES + "=[1]]", answer(target, r.body()), "SECURITY: " + r.body());
        } else {
            assertEquals(400, r.statusCode(), r.body());
        }
        String series = "/api/v1/series?match[]=" + enc(ALL_IT);
        assertEquals("[" + DEV_SERIES + "]", answer(series, get(series, t).body()));
    }

    /**
     * Every write format tsgate calls confinable that VictoriaMetrics 1.79.5 serves on its main port, written by a
     * team=writers token with a body claiming team=prod: VictoriaMetrics stores exactly the written series, labelled
     * team=writers. (OpenTSDB, on its own listener in 1.79.5, is {@link WriteAccountingIT}'s; formats 1.79.5 lacks are
     * marked "not proven" in README.)
     */
    static Stream<Arguments> confinableWriteFormats() {
        long ms = Instant.now().toEpochMilli() - 60_000;
        long s = ms / 1000;
        Map<String, String> remote = new LinkedHashMap<>();
        remote.put("__name__", "it_w_remote");
        remote.put("team", "prod");
        remote.put("job", "w");
        return Stream.of(
                Arguments.of("/api/v1/write", "snappy", "application/x-protobuf", RemoteWriteBody.oneSeries(remote, ms),
                        "it_w_remote", "{__name__=it_w_remote, job=w, team=writers}"),
                Arguments.of("/api/v1/import", null, "application/json", ("{\"metric\":{\"__name__\":\"it_w_json\","
                        + "\"team\":\"prod\",\"job\":\"w\"},\"values\":[1],\"timestamps\":[" + ms + "]}\n").getBytes(
                        StandardCharsets.UTF_8), "it_w_json", "{__name__=it_w_json, job=w, team=writers}"),
                Arguments.of("/api/v1/import/csv?format=1:metric:it_w_csv,2:label:team,3:label:job", null, "text/csv",
                        "5,prod,w\n".getBytes(StandardCharsets.UTF_8), "it_w_csv", "{__name__=it_w_csv, job=w, team=writers}"),
                Arguments.of("/api/v1/import/prometheus", null, "text/plain",
                        "it_w_text{team=\"prod\",job=\"w\"} 1\n".getBytes(StandardCharsets.UTF_8), "it_w_text",
                        "{__name__=it_w_text, job=w, team=writers}"),
                Arguments.of("/influx/write", null, "text/plain", ("it_w_influx,team=prod,job=w f=1 " + ms * 1_000_000 + "\n")
                        .getBytes(StandardCharsets.UTF_8), "it_w_influx_f", "{__name__=it_w_influx_f, job=w, team=writers}"),
                Arguments.of("/influx/api/v2/write?bucket=b", null, "text/plain", ("it_w_influx2,team=prod,job=w f=1 "
                        + ms * 1_000_000 + "\n").getBytes(StandardCharsets.UTF_8), "it_w_influx2_f",
                        "{__name__=it_w_influx2_f, job=w, team=writers}"));
    }

    @ParameterizedTest
    @MethodSource("confinableWriteFormats")
    void eachConfinableWriteFormatStoresExactlyUnderTheTokensLabel(String target, String encoding, String contentType,
                                                                   byte[] body, String metric, String stored) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(target)).header("Authorization", "Bearer "
                + token(2, Map.of("team", WRITERS), List.of())).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (encoding != null) {
            b.header("Content-Encoding", encoding);
        }
        HttpResponse<String> r = send(b);
        assertTrue(r.statusCode() / 100 == 2, target + " -> " + r.statusCode() + " " + r.body());
        vm.flush();
        List<Map<String, String>> series = Await.until(metric + " stored", Duration.ofSeconds(15),
                () -> vm.querySeries("{__name__=\"" + metric + "\"}"), l -> !l.isEmpty());
        assertEquals("[" + stored + "]", series.stream().map(m -> new java.util.TreeMap<>(m).toString()).toList().toString(),
                "SECURITY: " + target + " stored " + series);
    }

    /**
     * export/native and Datadog written by a team=writers token through ext_proc: tsgate cannot read these bodies, so
     * it cannot check the 30-label rule (VictoriaMetrics 1.79.5 appends extra_label last and keeps 30 labels, see
     * AttackConfinedUnreadWriteIT), and refuses them rather than let a series escape the token's label.
     */
    @Test
    void confinedWritesInFormatsExtProcCannotReadAreRefused() throws Exception {
        HttpResponse<byte[]> blob = client.send(HttpRequest.newBuilder(vm.baseUri().resolve("/api/v1/export/native?match[]="
                + enc("it_prod_only"))).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, blob.statusCode());
        byte[] datadog = ("{\"series\":[{\"metric\":\"it_w_dd\",\"points\":[[" + Instant.now().getEpochSecond()
                + ",1]],\"tags\":[\"team:prod\",\"job:w\"]}]}").getBytes(StandardCharsets.UTF_8);
        for (Map.Entry<String, byte[]> w : Map.of("/api/v1/import/native", blob.body(), "/datadog/api/v1/series",
                datadog).entrySet()) {
            HttpResponse<String> r = send(HttpRequest.newBuilder(uri(w.getKey())).header("Authorization", "Bearer "
                    + token(2, Map.of("team", WRITERS), List.of())).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(w.getValue())));
            assertEquals(403, r.statusCode(), w.getKey() + " " + r.body());
            assertTrue(r.body().contains("cannot be read to check that the confinement holds"), r.body());
        }
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

    /**
     * Attempts to widen a team=dev token, each with the exact answer it must get when not refused: a confinement that
     * leaked would add series (label_replace relabels the other team's rows to team=dev, so only the exact answer
     * catches that, not a search for "prod").
     */
    static Stream<Arguments> wideningTargets() {
        String q = "/api/v1/query?query=" + enc(ALL_IT);
        String devSample = "[" + DEV_SERIES + "=[1]]";
        return Stream.of(
                Arguments.of(q + "&extra_label=" + enc("team=prod"), devSample),
                Arguments.of(q + "&extra_filters[]=" + enc("{team=\"prod\"}"), devSample),
                Arguments.of(q + "&extra_filters=" + enc("{team=~\".*\"}"), devSample),
                Arguments.of(q + "&extra%5Flabel=" + enc("team=prod"), devSample),
                Arguments.of(q + "&extra_filters%5B%5D=" + enc("{team=\"prod\"}"), devSample),
                Arguments.of(q + "&extra_filters%5b%5d=" + enc("{team=~\".*\"}"), devSample),
                Arguments.of("/api/v1/query?query=" + enc("it_metric{team=\"prod\"}"), "[]"),
                Arguments.of("/api/v1/query?query=" + enc("it_metric or it_prod_only"), devSample),
                Arguments.of("/api/v1/query?query=" + enc("label_replace(it_metric, \"team\", \"dev\", \"team\", \".*\")"),
                        devSample),
                Arguments.of("/api/v1/query?query=" + enc("label_replace({__name__=~\"it_.*\"}, \"team\", \"dev\", \"\", \"\")"),
                        devSample),
                Arguments.of("/api/v1/series?match[]=" + enc("it_prod_only") + "&match[]=" + enc(ALL_IT), "[" + DEV_SERIES + "]"),
                Arguments.of("/graphite/api/v1/query?query=" + enc(ALL_IT), devSample),
                Arguments.of("/prometheus/api/v1/query?query=" + enc(ALL_IT) + "&extra_label=" + enc("team=prod"), devSample));
    }

    @ParameterizedTest
    @MethodSource("wideningTargets")
    void wideningAttemptsAreDeniedOrGetExactlyTheDevData(String target, String dev) throws Exception {
        HttpResponse<String> r = get(target, token(1, Map.of("team", "dev"), List.of()));
        if (r.statusCode() == 200) {
            assertConfinedToDev(target, r.body());
            assertEquals(dev, answer(target.replaceFirst("^/graphite", ""), r.body()), "SECURITY: " + target + " -> "
                    + r.body() + " (forwarded " + forwardedPath() + ")");
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
        assertEquals("[" + DEV_SERIES + "=[1]]", answer("/api/v1/query", r.body()), r.body());
    }

    @Test
    void formBodyWithLabelParametersIsDeniedOrConfined() throws Exception {
        HttpResponse<String> r = post("/api/v1/query", token(1, Map.of("team", "dev"), List.of()),
                "application/x-www-form-urlencoded",
                "query=" + enc(ALL_IT) + "&extra_filters[]=" + enc("{team=~\".*\"}") + "&extra_label=" + enc("team=prod"));
        if (r.statusCode() == 200) {
            assertEquals("[" + DEV_SERIES + "=[1]]", answer("/api/v1/query", r.body()), "SECURITY: " + r.body());
        } else {
            assertEquals(400, r.statusCode(), r.body());
        }
    }

    @Test
    void plainFormQueryWorksConfined() throws Exception {
        HttpResponse<String> r = post("/api/v1/query", token(1, Map.of("team", "dev"), List.of()),
                "application/x-www-form-urlencoded", "query=" + enc(ALL_IT));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("[" + DEV_SERIES + "=[1]]", answer("/api/v1/query", r.body()),
                r.body() + " (forwarded " + forwardedPath() + ")");
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

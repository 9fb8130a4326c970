package io.tsgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.tsgate.Gateway;
import io.tsgate.cli.ApiKeyCommand;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * API keys go through the same decision core as tokens, end to end: client → {@link EnvoyStandIn} → tsgate → real
 * VictoriaMetrics. A write key's labels and {@code -apikeys.nameLabel} land on the stored series; a read key sees
 * only series carrying its label; a read key cannot write.
 */
@ExtendWith(ExternalServers.class)
class ApiKeyVictoriaMetricsIT {
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private static String create(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertEquals(0, ApiKeyCommand.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8), System.err));
        return out.toString(StandardCharsets.UTF_8).trim();
    }

    private HttpResponse<String> send(URI base, String target, String key, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(target)).header("X-Api-Key", key)
                .timeout(Duration.ofSeconds(15));
        b = body == null ? b.GET() : b.header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString(body));
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The shipped 0.5s ext_authz timeout, widened for a CI machine shared by many builds. */
    private static final java.time.Duration SLOW_CI = java.time.Duration.ofSeconds(5);

    @Test
    void apiKeysAreConfinedLikeTokens(VictoriaMetricsServer vm, @TempDir Path dir) throws Exception {
        Path file = dir.resolve("keys.yaml");
        String writer = create("create", "ingest-dev", "-file=" + file, "-mode=write", "-label=team=dev");
        String reader = create("create", "dash-dev", "-file=" + file, "-mode=read", "-label=apikey=ingest-dev");
        try (Gateway g = Gateway.start("-grpcListenAddr=127.0.0.1:0", "-httpListenAddr=127.0.0.1:0",
                "-apikeys.file=" + file, "-apikeys.nameLabel=apikey")) {
            ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", g.grpcPort()).usePlaintext().build();
            try (EnvoyStandIn envoy = EnvoyStandIn.builder(EnvoyConfig.single()).grpc("tsgate", channel)
                    .cluster("victoriametrics", vm.baseUri()).checkTimeout(SLOW_CI).start()) {
                vm.importPrometheus("it_apikey{team=\"prod\",apikey=\"other\"} 9\n");
                HttpResponse<String> w = send(envoy.baseUri(), "/api/v1/import/prometheus", writer,
                        "it_apikey{team=\"prod\",job=\"w\"} 1\n");
                assertEquals(204, w.statusCode(), w.body());
                vm.flush();
                vm.awaitQueryable("it_apikey", 2);
                assertTrue(vm.querySeries("it_apikey").contains(Map.of("__name__", "it_apikey", "job", "w",
                        "team", "dev", "apikey", "ingest-dev")), vm.querySeries("it_apikey").toString());

                HttpResponse<String> r = send(envoy.baseUri(), "/api/v1/series?match[]=it_apikey", reader, null);
                assertEquals(200, r.statusCode(), r.body());
                assertTrue(r.body().contains("\"job\":\"w\"") && !r.body().contains("\"other\""),
                        "the read key sees only its label's series: " + r.body());
                assertEquals(403, send(envoy.baseUri(), "/api/v1/import/prometheus", reader, "it_apikey 1\n")
                        .statusCode());
                assertEquals(401, send(envoy.baseUri(), "/api/v1/series?match[]=it_apikey", reader + "x", null)
                        .statusCode());
            } finally {
                channel.shutdownNow();
            }
        }
    }
}

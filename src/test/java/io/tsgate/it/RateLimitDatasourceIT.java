package io.tsgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.tsgate.Gateway;
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
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The datasource backend against a real VictoriaMetrics that scrapes tsgate's own /metrics every second
 * ({@code -promscrape.config}): queries counted by tsgate reach VictoriaMetrics, the default query reads them back,
 * and the tenant is refused once its usage reaches the limit. VictoriaMetrics serves https with basic auth, so
 * {@code -datasource.tlsCAFile} and {@code -datasource.basicAuth.*} are exercised too.
 */
class RateLimitDatasourceIT {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    private static final String AUTH = "Basic " + java.util.Base64.getEncoder()
            .encodeToString("vmuser:s3cret".getBytes(java.nio.charset.StandardCharsets.UTF_8));

    private static int httpStatus(HttpClient client, String url) {
        try {
            return client.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", AUTH)
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    private static String body(HttpClient client, String url) {
        try {
            return client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        } catch (Exception e) {
            return "";
        }
    }

    private static CheckResponse query(AuthorizationGrpc.AuthorizationBlockingStub stub) {
        String path = "/api/v1/query?query=up";
        AttributeContext.HttpRequest http = AttributeContext.HttpRequest.newBuilder().setMethod("GET").setPath(path)
                .putHeaders(":path", path).putHeaders(":method", "GET").build();
        return stub.withDeadlineAfter(Duration.ofSeconds(5)).check(CheckRequest.newBuilder().setAttributes(
                AttributeContext.newBuilder().setRequest(AttributeContext.Request.newBuilder().setHttp(http))).build());
    }

    private static HttpClient trusting(Path cert) throws Exception {
        java.security.KeyStore trust = java.security.KeyStore.getInstance(java.security.KeyStore.getDefaultType());
        trust.load(null, null);
        try (var in = Files.newInputStream(cert)) {
            trust.setCertificateEntry("vm", java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(
                javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        javax.net.ssl.SSLContext ssl = javax.net.ssl.SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);
        return HttpClient.newBuilder().sslContext(ssl).build();
    }

    private Path selfSignedCert(Path key) throws Exception {
        Path cert = dir.resolve("vm.crt");
        Process openssl = new ProcessBuilder(DebianPackages.ensureInstalled("/usr/bin/openssl", "openssl").toString(),
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1",
                "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                "-keyout", key.toString(), "-out", cert.toString()).redirectErrorStream(true).start();
        String out = new String(openssl.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, openssl.waitFor(), out);
        return cert;
    }

    @Test
    void tenantIsRefusedOnceTheDatasourceShowsItAtItsLimit() throws Exception {
        Path binary = DebianPackages.ensureInstalled(VictoriaMetricsServer.BINARY, VictoriaMetricsServer.PACKAGE);
        Path key = dir.resolve("vm.key");
        Path cert = selfSignedCert(key);
        HttpClient https = trusting(cert);
        Path limits = dir.resolve("limits.yaml");
        Files.writeString(limits, "limits: [{type: queries, value: 5, resolution: minute}]");
        // The gateway is told VictoriaMetrics' port before VictoriaMetrics starts (and VictoriaMetrics scrapes the
        // gateway's port), so a taken port means starting both again on fresh ports.
        FreePort.Started<Stack> started = FreePort.retrying(1, ports -> {
            Gateway g = startGateway(limits, cert, ports[0]);
            try {
                String ready = "http://127.0.0.1:" + g.httpPort() + "/ready";
                assertEquals(200, httpStatus(HTTP, ready), "ready before the datasource has answered: tsgate decides "
                        + "by -ratelimit.failureMode meanwhile");
                Path scrape = dir.resolve("scrape.yaml");
                Files.writeString(scrape, """
                        scrape_configs:
                          - job_name: tsgate
                            scrape_interval: 1s
                            static_configs:
                              - targets: ["127.0.0.1:%d"]
                        """.formatted(g.httpPort()));
                String vm = "https://127.0.0.1:" + ports[0];
                ManagedProcess victoria = ManagedProcess.start("victoria-metrics", List.of(binary.toString(),
                        "-httpListenAddr=127.0.0.1:" + ports[0], "-storageDataPath=" + dir.resolve("vm-data"),
                        "-promscrape.config=" + scrape, "-search.latencyOffset=0s", "-search.disableCache",
                        "-tls", "-tlsCertFile=" + cert, "-tlsKeyFile=" + key,
                        "-httpAuth.username=vmuser", "-httpAuth.password=s3cret"),
                        dir.resolve("vm-" + ports[0] + ".log"), Duration.ofSeconds(30),
                        () -> httpStatus(https, vm + "/health") == 200);
                return new Stack(g, victoria);
            } catch (java.io.IOException | RuntimeException e) {
                g.close();
                throw e;
            }
        });
        String vm = "https://127.0.0.1:" + started.port(0);
        try (Stack stack = started.server()) {
            Gateway g = stack.gateway();
            String ready = "http://127.0.0.1:" + g.httpPort() + "/ready";
            assertEquals(401, https.send(HttpRequest.newBuilder(URI.create(vm + "/api/v1/query?query=1")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode(), "VictoriaMetrics requires the credentials");
            Await.until("the datasource answers", Duration.ofSeconds(20), () -> body(HTTP,
                    "http://127.0.0.1:" + g.httpPort() + "/metrics"),
                    m -> m.contains("tsgate_ratelimit_backend_up{backend=\"datasource\"} 1"));
            assertEquals(200, httpStatus(HTTP, ready));
            ManagedChannel ch = ManagedChannelBuilder.forAddress("127.0.0.1", g.grpcPort()).usePlaintext().build();
            try {
                var stub = AuthorizationGrpc.newBlockingStub(ch);
                for (int i = 0; i < 5; i++) {
                    assertEquals(200, status(query(stub)), "under the limit as far as the datasource knows");
                }
                CheckResponse refused = Await.until("429 once VictoriaMetrics has scraped 5 queries",
                        Duration.ofSeconds(30), () -> query(stub), r -> status(r) == 429);
                assertEquals("limit_queries", refused.getStatus().getMessage());
                String body = https.send(HttpRequest.newBuilder(URI.create(vm
                        + "/api/v1/query?query=tsgate_tenant_requests_total%7Bjob%3D%22tsgate%22%7D"))
                        .header("Authorization", AUTH).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                assertTrue(body.contains("\"account_id\":\"0\""), "VictoriaMetrics holds tsgate's counter: " + body);
            } finally {
                ch.shutdownNow();
            }
        }
    }

    /** tsgate and the VictoriaMetrics it reads its usage from; closed together. */
    private record Stack(Gateway gateway, ManagedProcess victoria) implements AutoCloseable {
        @Override
        public void close() {
            victoria.close();
            gateway.close();
        }
    }

    private static Gateway startGateway(Path limits, Path cert, int vmPort) throws java.io.IOException {
        try {
            return Gateway.start(GatewayConfig.from(FlagParser.parse(List.of("-grpcListenAddr=127.0.0.1:0",
                    "-httpListenAddr=127.0.0.1:0", "-enable.auth=false", "-enable.rateLimit", "-ratelimit.config=" + limits,
                    "-ratelimit.backend=datasource", "-datasource.url=https://127.0.0.1:" + vmPort,
                    "-datasource.tlsCAFile=" + cert, "-datasource.basicAuth.username=vmuser",
                    "-datasource.basicAuth.password=s3cret",
                    "-ratelimit.refreshInterval=500ms", "-ratelimit.extraLabels=job=tsgate"), Map.of())), Clock.systemUTC());
        } catch (io.tsgate.config.ConfigException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static int status(CheckResponse r) {
        return r.hasDeniedResponse() ? r.getDeniedResponse().getStatus().getCodeValue() : 200;
    }
}

package io.tsgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.tsgate.cli.TokenCommand;
import java.io.ByteArrayOutputStream;
import java.io.FileInputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shaded jar as a user runs it: {@code java -jar target/tsgate.jar -enable.auth -auth.publicKeyFiles=key.pem},
 * answering Check over gRPC and serving /health, /ready and /metrics over HTTP; in plain text and with -tls.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GatewayJarIT {
    private static final Path JAR = Path.of("target", "tsgate.jar").toAbsolutePath();

    private Path dir;
    private String token;

    @BeforeAll
    void keys(@TempDir Path dir) throws Exception {
        this.dir = dir;
        assertTrue(Files.isRegularFile(JAR), JAR + " missing: run through mvn verify (package builds it)");
        assertEquals(0, cli("keygen", "-family=RSA", "-dir=" + dir, "-name=key").code);
        Cli minted = cli("-key=" + dir.resolve("key.key"), "-kid=key", "-mode=read", "-label=team=dev");
        assertEquals(0, minted.code, minted.err);
        token = minted.out.trim();
    }

    private record Cli(int code, String out, String err) {
    }

    private static Cli cli(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = TokenCommand.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Cli(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private ManagedProcess startJar(String name, int grpc, int http, HttpClient client, String scheme,
                                    String... extra) throws java.io.IOException {
        List<String> cmd = new ArrayList<>(List.of("java", "-jar", JAR.toString(), "-enable.auth",
                "-auth.publicKeyFiles=" + dir.resolve("key.pem"), "-grpcListenAddr=127.0.0.1:" + grpc,
                "-httpListenAddr=127.0.0.1:" + http));
        cmd.addAll(List.of(extra));
        URI ready = URI.create(scheme + "://127.0.0.1:" + http + "/ready");
        return ManagedProcess.start(name, cmd, dir.resolve(name + "-" + grpc + ".log"), Duration.ofSeconds(60), () -> {
            try {
                return client.send(HttpRequest.newBuilder(ready).build(), HttpResponse.BodyHandlers.ofString())
                        .statusCode() == 200;
            } catch (Exception e) {
                return false;
            }
        });
    }

    private static CheckRequest check(String path, String authorization) {
        AttributeContext.HttpRequest.Builder http = AttributeContext.HttpRequest.newBuilder()
                .setMethod("GET").setPath(path).setHost("vm").setProtocol("HTTP/1.1");
        if (authorization != null) {
            http.putHeaders("authorization", authorization);
        }
        return CheckRequest.newBuilder().setAttributes(AttributeContext.newBuilder()
                .setRequest(AttributeContext.Request.newBuilder().setHttp(http))).build();
    }

    private void assertChecks(ManagedChannel channel) {
        var stub = AuthorizationGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
        CheckResponse ok = stub.check(check("/api/v1/query?query=up", "Bearer " + token));
        assertEquals(0, ok.getStatus().getCode(), ok.toString());
        assertTrue(ok.getOkResponse().getHeadersList().stream().anyMatch(h -> h.getHeader().getKey().equals(":path")
                && h.getHeader().getValue().contains("extra_label=team%3Ddev")), ok.toString());
        CheckResponse none = stub.check(check("/api/v1/query?query=up", null));
        assertEquals(401, none.getDeniedResponse().getStatus().getCodeValue());
        HealthCheckResponse health = HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                .check(HealthCheckRequest.getDefaultInstance());
        assertEquals(HealthCheckResponse.ServingStatus.SERVING, health.getStatus());
    }

    @Test
    void jarServesCheckHealthAndMetrics() throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        FreePort.Started<ManagedProcess> jar = FreePort.retrying(2,
                ports -> startJar("plain", ports[0], ports[1], client, "http"));
        int grpc = jar.port(0);
        int http = jar.port(1);
        try (ManagedProcess p = jar.server()) {
            ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", grpc).usePlaintext().build();
            try {
                assertChecks(channel);
            } finally {
                channel.shutdownNow();
            }
            assertEquals(200, get(client, "http://127.0.0.1:" + http + "/health").statusCode());
            String metrics = get(client, "http://127.0.0.1:" + http + "/metrics").body();
            assertTrue(metrics.contains("tsgate_decisions_total{adapter=\"ext_authz\""), metrics);
            assertTrue(metrics.contains("reason=\"missing_credential\""), metrics);
            String log = Files.readString(p.logFile());
            assertFalse(log.contains(token), "the token must never be logged");
        }
    }

    @Test
    void wrongFlagStopsStartUpWithOneLineNamingIt() throws Exception {
        Process p = new ProcessBuilder("java", "-jar", JAR.toString(), "-enable.auth",
                "-auth.publicKeyFiles=" + dir.resolve("key.pem"), "-grpcListenAddr=127.0.0.1:" + FreePort.pick(),
                "-no.such.flag=1").redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertEquals(2, p.exitValue(), out);
        assertEquals(1, out.lines().count(), out);
        assertTrue(out.contains("no.such.flag"), out);
    }

    @Test
    void missingKeyFileStopsStartUpWithOneLineNamingIt() throws Exception {
        Path missing = dir.resolve("nope.pem");
        Process p = new ProcessBuilder("java", "-jar", JAR.toString(), "-enable.auth", "-auth.publicKeyFiles=" + missing,
                "-grpcListenAddr=127.0.0.1:" + FreePort.pick(), "-httpListenAddr=127.0.0.1:" + FreePort.pick())
                .redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertEquals(2, p.exitValue(), out);
        assertEquals(1, out.lines().count(), out);
        assertTrue(out.contains(missing.toString()), out);
    }

    @Test
    void rotatedKeyFileIsReadWithoutRestart() throws Exception {
        Path keys = Files.createDirectories(dir.resolve("rotating"));
        assertEquals(0, cli("keygen", "-family=P-256", "-dir=" + keys, "-name=old").code);
        assertEquals(0, cli("keygen", "-family=Ed25519", "-dir=" + dir, "-name=new").code);
        Path served = keys.resolve("rot.pem");
        Files.copy(keys.resolve("old.pem"), served);
        String oldToken = cli("-key=" + keys.resolve("old.key"), "-kid=rot", "-mode=read").out.trim();
        String newToken = cli("-key=" + dir.resolve("new.key"), "-kid=rot", "-mode=read").out.trim();
        HttpClient client = HttpClient.newHttpClient();
        FreePort.Started<ManagedProcess> jar = FreePort.retrying(2, ports -> ManagedProcess.start("rotation",
                List.of("java", "-jar", JAR.toString(), "-enable.auth", "-auth.publicKeyFiles=" + served,
                        "-auth.keyFilesCheckInterval=200ms", "-grpcListenAddr=127.0.0.1:" + ports[0],
                        "-httpListenAddr=127.0.0.1:" + ports[1]),
                dir.resolve("rotation-" + ports[0] + ".log"), Duration.ofSeconds(60), () -> {
                    try {
                        return get(client, "http://127.0.0.1:" + ports[1] + "/ready").statusCode() == 200;
                    } catch (Exception e) {
                        return false;
                    }
                }));
        int grpc = jar.port(0);
        try (ManagedProcess p = jar.server()) {
            ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", grpc).usePlaintext().build();
            try {
                var stub = AuthorizationGrpc.newBlockingStub(channel);
                String path = "/api/v1/query?query=up";
                assertEquals(0, stub.withDeadlineAfter(10, TimeUnit.SECONDS)
                        .check(check(path, "Bearer " + oldToken)).getStatus().getCode());
                assertEquals(401, stub.withDeadlineAfter(10, TimeUnit.SECONDS)
                        .check(check(path, "Bearer " + newToken)).getDeniedResponse().getStatus().getCodeValue());
                Path tmp = keys.resolve("rot.pem.tmp");
                Files.copy(dir.resolve("new.pem"), tmp);
                Files.move(tmp, served, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                Await.until("the rotated key to be accepted", Duration.ofSeconds(30),
                        () -> stub.withDeadlineAfter(10, TimeUnit.SECONDS).check(check(path, "Bearer " + newToken))
                                .getStatus().getCode(), code -> code == 0);
                CheckResponse old = stub.withDeadlineAfter(10, TimeUnit.SECONDS).check(check(path, "Bearer " + oldToken));
                assertEquals(401, old.getDeniedResponse().getStatus().getCodeValue(),
                        "a token of the removed key must stop working, cached or not");
            } finally {
                channel.shutdownNow();
            }
        }
    }

    @Test
    void tlsOnBothListeners() throws Exception {
        Path cert = dir.resolve("tls.crt");
        Path key = dir.resolve("tls.key");
        Process openssl = new ProcessBuilder(DebianPackages.ensureInstalled("/usr/bin/openssl", "openssl").toString(),
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1",
                "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                "-keyout", key.toString(), "-out", cert.toString()).redirectErrorStream(true).start();
        String opensslOut = new String(openssl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(openssl.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, openssl.exitValue(), opensslOut);

        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (InputStream in = new FileInputStream(cert.toFile())) {
            trust.setCertificateEntry("tsgate", (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);
        HttpClient client = HttpClient.newBuilder().sslContext(ssl).build();

        FreePort.Started<ManagedProcess> jar = FreePort.retrying(2, ports -> startJar("tls", ports[0], ports[1], client,
                "https", "-tls", "-tlsCertFile=" + cert, "-tlsKeyFile=" + key));
        int grpc = jar.port(0);
        int http = jar.port(1);
        try (ManagedProcess p = jar.server()) {
            ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", grpc)
                    .sslContext(GrpcSslContexts.forClient().trustManager(cert.toFile()).build()).build();
            try {
                assertChecks(channel);
            } finally {
                channel.shutdownNow();
            }
            assertEquals(200, get(client, "https://127.0.0.1:" + http + "/health").statusCode());
            ManagedChannel plain = ManagedChannelBuilder.forAddress("127.0.0.1", grpc).usePlaintext().build();
            try {
                var stub = AuthorizationGrpc.newBlockingStub(plain).withDeadlineAfter(5, TimeUnit.SECONDS);
                io.grpc.StatusRuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(
                        io.grpc.StatusRuntimeException.class, () -> stub.check(check("/api/v1/query", null)));
                assertTrue(e.getStatus().getCode() != io.grpc.Status.Code.OK, e.toString());
            } finally {
                plain.shutdownNow();
            }
        }
    }

    private static HttpResponse<String> get(HttpClient client, String uri) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(uri)).build(), HttpResponse.BodyHandlers.ofString());
    }
}

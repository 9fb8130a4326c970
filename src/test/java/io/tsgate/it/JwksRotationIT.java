package io.tsgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.tsgate.auth.JwksFixtures;
import io.tsgate.auth.JwksFixtures.SigningKey;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * JWKS and OIDC discovery against a real nginx serving the documents as files, so that key rotation is a file swap:
 * new keys are taken without restart, removed keys stop working, outages keep the last good keys and show in the
 * metrics, and a gateway whose endpoint is down at start is not ready and says why.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JwksRotationIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private SigningKey oldKey;
    private SigningKey newKey;
    private SigningKey edKey;

    @BeforeAll
    void keys() throws Exception {
        oldKey = JwksFixtures.rsa("old");
        newKey = JwksFixtures.p256("new");
        edKey = JwksFixtures.ed25519("ed");
    }

    private static NginxServer nginx() throws Exception {
        return NginxServer.start(port -> "server { listen 127.0.0.1:" + port + "; location / { root {root}; } }");
    }

    /** Replaces a served file atomically, as a deployment would. */
    private static void serve(NginxServer nginx, String name, String content) throws Exception {
        Path tmp = nginx.root().resolve(name + ".tmp");
        Files.writeString(tmp, content);
        Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        Files.move(tmp, nginx.root().resolve(name), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static String token(SigningKey k) {
        return k.token(1, 5, Instant.now().plus(Duration.ofHours(1)));
    }

    @Test
    void rotationOutageAndRemovalWithoutRestart() throws Exception {
        try (NginxServer nginx = nginx()) {
            serve(nginx, "jwks.json", JwksFixtures.jwks(oldKey));
            String url = nginx.baseUri() + "/jwks.json";
            try (InProcessGateway g = InProcessGateway.start("-auth.jwksEndpoints=" + url,
                    "-auth.jwksRefreshInterval=1s", "-auth.jwksMinRefreshInterval=200ms")) {
                Await.until("/ready", WAIT, g::readyStatus, s -> s == 200);
                assertEquals(200, g.bearerStatus(token(oldKey)));
                assertEquals(401, g.bearerStatus(token(newKey)));

                serve(nginx, "jwks.json", JwksFixtures.jwks(oldKey, newKey));
                Await.until("a token of the new key to be accepted", WAIT, () -> g.bearerStatus(token(newKey)),
                        s -> s == 200);
                assertEquals(200, g.bearerStatus(token(oldKey)), "both keys are published");

                serve(nginx, "jwks.json", JwksFixtures.jwks(newKey));
                String oldToken = token(oldKey);
                Await.until("the removed key's token to be rejected", WAIT, () -> g.bearerStatus(oldToken),
                        s -> s == 401);
                assertEquals(1.0, g.metric("tsgate_auth_jwks_keys", url), "one key held after removal");
                assertEquals(0.0, g.metric("tsgate_auth_jwks_refresh_errors_total", url));

                String newToken = token(newKey);
                nginx.close();
                Await.until("refresh failures in the metric", WAIT,
                        () -> g.metric("tsgate_auth_jwks_refresh_errors_total", url), v -> v >= 2);
                assertEquals(200, g.bearerStatus(newToken), "the last good keys keep working through the outage");
                assertEquals(200, g.bearerStatus(token(newKey)), "also for tokens never seen before");
                assertEquals(200, g.readyStatus(), "an outage after the first load does not make tsgate unready");
                Await.until("key age to grow past the refresh interval", WAIT,
                        () -> g.metric("tsgate_auth_jwks_key_age_seconds", url), v -> v > 1.5);
            }
        }
    }

    /** A token naming {@code issuer}: discovery keys verify only tokens of their document's issuer. */
    private static String token(SigningKey k, Object issuer) {
        Map<String, Object> c = new java.util.HashMap<>(JwksFixtures.claims(1, 5, Instant.now().plus(Duration.ofHours(1))));
        c.put("iss", issuer.toString());
        return io.tsgate.auth.TokenMinter.mint(k.alg(), k.kid(), k.privateKey(), c);
    }

    @Test
    void discoveryDocumentPointsAtTheJwksAndEd25519KeysWork() throws Exception {
        try (NginxServer nginx = nginx()) {
            Files.createDirectories(nginx.root().resolve(".well-known"));
            serve(nginx, "keys", JwksFixtures.jwks(edKey));
            serve(nginx, ".well-known/openid-configuration", "{\"issuer\":\"" + nginx.baseUri()
                    + "\",\"jwks_uri\":\"" + nginx.baseUri() + "/keys\"}");
            try (InProcessGateway g = InProcessGateway.start("-auth.oidcDiscoveryEndpoints=" + nginx.baseUri()
                    + "/.well-known/openid-configuration", "-auth.jwksRefreshInterval=1s",
                    "-auth.jwksMinRefreshInterval=200ms")) {
                Await.until("/ready", WAIT, g::readyStatus, s -> s == 200);
                assertEquals(200, g.bearerStatus(token(edKey, nginx.baseUri())));
                assertEquals(401, g.bearerStatus(token(oldKey, nginx.baseUri())));
                serve(nginx, "keys", JwksFixtures.jwks(edKey, oldKey));
                Await.until("the rotated-in key via discovery", WAIT, () -> g.bearerStatus(token(oldKey, nginx.baseUri())),
                        s -> s == 200);
            }
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            int code = io.tsgate.cli.CheckCommand.run(java.util.List.of("-auth.oidcDiscoveryEndpoints="
                    + nginx.baseUri() + "/.well-known/openid-configuration", "-path=/api/v1/query?query=up",
                    "-token=" + token(edKey, nginx.baseUri())), new java.io.PrintStream(out, true), System.err);
            assertEquals(0, code, "tsgate check loads JWKS keys before deciding: " + out);
        }
    }

    @Test
    void httpsEndpointIsTrustedThroughTheJwksCaFileOnly(@org.junit.jupiter.api.io.TempDir Path certs) throws Exception {
        Path cert = certs.resolve("idp.crt");
        Path key = certs.resolve("idp.key");
        Process openssl = new ProcessBuilder(DebianPackages.ensureInstalled("/usr/bin/openssl", "openssl").toString(),
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1",
                "-subj", "/CN=idp", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key.toString(),
                "-out", cert.toString()).redirectErrorStream(true).start();
        String out = new String(openssl.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(openssl.waitFor(60, java.util.concurrent.TimeUnit.SECONDS) && openssl.exitValue() == 0, out);
        Files.setPosixFilePermissions(certs, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(key, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        try (NginxServer nginx = NginxServer.start(port -> "server { listen 127.0.0.1:" + port + " ssl; ssl_certificate "
                + cert + "; ssl_certificate_key " + key + "; location / { root {root}; } }")) {
            serve(nginx, "jwks.json", JwksFixtures.jwks(oldKey));
            String url = "https://127.0.0.1:" + nginx.port() + "/jwks.json";
            try (InProcessGateway g = InProcessGateway.start("-auth.jwksEndpoints=" + url,
                    "-auth.jwksTLSCAFile=" + cert, "-auth.jwksRefreshInterval=1s", "-auth.jwksMinRefreshInterval=200ms")) {
                Await.until("/ready over https", WAIT, g::readyStatus, s -> s == 200);
                assertEquals(200, g.bearerStatus(token(oldKey)));
            }
            try (InProcessGateway g = InProcessGateway.start("-auth.jwksEndpoints=" + url,
                    "-auth.jwksRefreshInterval=1s", "-auth.jwksMinRefreshInterval=200ms")) {
                Await.until("a failed fetch: the certificate is not trusted by default", WAIT,
                        () -> g.metric("tsgate_auth_jwks_refresh_errors_total", url), v -> v >= 1);
                assertEquals(503, g.readyStatus());
            }
        }
    }

    /**
     * The endpoint answers 503 to every fetch, as a JWKS host that is down behind its load balancer does. It binds
     * port 0 once and hands over the port it got: a port picked free and left unopened could be taken by anything.
     */
    @Test
    void endpointDownAtStartKeepsReadyFalseAndDeniesWithAClearReason() throws Exception {
        HttpServer down = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        down.createContext("/", exchange -> {
            exchange.sendResponseHeaders(503, -1);
            exchange.close();
        });
        down.start();
        String url = "http://127.0.0.1:" + down.getAddress().getPort() + "/jwks.json";
        try (InProcessGateway g = InProcessGateway.start("-auth.jwksEndpoints=" + url,
                "-auth.jwksRefreshInterval=1s", "-auth.jwksMinRefreshInterval=200ms")) {
            Await.until("a failed first fetch", WAIT, () -> g.metric("tsgate_auth_jwks_refresh_errors_total", url),
                    v -> v >= 1);
            var ready = g.get("/ready");
            assertEquals(503, ready.statusCode());
            assertTrue(ready.body().contains("not loaded"), ready.body());
            CheckResponse r = g.check("/api/v1/query?query=up", Map.of("authorization", "Bearer " + token(oldKey)));
            assertEquals(401, r.getDeniedResponse().getStatus().getCodeValue());
            assertTrue(r.getDeniedResponse().getBody().contains("not loaded yet"), r.getDeniedResponse().getBody());
            assertEquals(1.0, g.metric("tsgate_decisions_total", "reason=\"keys_not_loaded\""));
            assertEquals(0.0, g.metric("tsgate_auth_jwks_loaded", url));
        } finally {
            down.stop(0);
        }
    }
}

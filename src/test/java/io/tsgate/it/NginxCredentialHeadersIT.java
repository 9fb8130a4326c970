package io.tsgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.tsgate.Gateway;
import io.tsgate.auth.ApiKeySet;
import io.tsgate.auth.KeyPairFiles;
import io.tsgate.auth.TokenMinter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The shipped nginx config ({@code examples/nginx/tsgate.conf}) sends no credential upstream: real nginx, a real
 * tsgate (forward-auth) and, in place of VictoriaMetrics, an echo server that records every header it receives.
 * Run with tsgate's default credential headers and with renamed ones ({@code -auth.httpHeader},
 * {@code -apikeys.httpHeader}), since a config that clears a fixed list of names misses a renamed header.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NginxCredentialHeadersIT {
    private static final Path SHIPPED_CONFIG = Path.of("examples/nginx/tsgate.conf");
    private static final String API_KEY = "tsg_nginx-it-" + "k".repeat(32);
    /** Sent on every request; none may reach the upstream (the credential headers are added per setup). */
    private static final Map<String, String> FORGED = Map.of("AccountID", "9", "ProjectID", "9",
            "X-Tsgate-Tenant", "9:9", "X-Tsgate-Class", "admin", "X-Tsgate-Path", "/api/v1/admin/tsdb/delete_series",
            "X-Tsgate-Anything", "1", "X-Original-URI", "/api/v1/admin/tsdb/delete_series",
            "X-Original-Method", "DELETE");

    /** What the echo upstream received. */
    private record Received(String method, String uri, Map<String, List<String>> headers, String body) {
    }

    private final LinkedBlockingQueue<Received> received = new LinkedBlockingQueue<>();
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final List<AutoCloseable> running = new ArrayList<>();
    private HttpServer echo;
    private PrivateKey signingKey;
    private Path keyDir;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        keyDir = dir;
        KeyPairFiles keys = KeyPairFiles.generate("RSA", dir, "nginx-hdr", new SecureRandom());
        signingKey = TokenMinter.readPrivateKey(keys.privateKeyFile());
        Files.writeString(dir.resolve("apikeys.yaml"), "keys:\n  - name: ingest-a\n    sha256: "
                + HexFormat.of().formatHex(ApiKeySet.hash(API_KEY)) + "\n    extra_labels: {team: a}\n    mode: 3\n");
        echo = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        echo.createContext("/", exchange -> {
            Map<String, List<String>> headers = new LinkedHashMap<>();
            exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), List.copyOf(v)));
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            received.add(new Received(exchange.getRequestMethod(), exchange.getRequestURI().toString(), headers, body));
            byte[] ok = "{\"status\":\"success\"}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, ok.length);
            exchange.getResponseBody().write(ok);
            exchange.close();
        });
        echo.start();
    }

    @AfterAll
    void stop() throws Exception {
        for (AutoCloseable c : running) {
            c.close();
        }
        if (echo != null) {
            echo.stop(0);
        }
    }

    /** tsgate reading credentials from {@code tokenHeader} and {@code keyHeader}, behind the shipped nginx config. */
    private NginxServer dataPlane(String tokenHeader, String keyHeader) throws Exception {
        Gateway gateway = Gateway.start("-grpcListenAddr=127.0.0.1:0", "-httpListenAddr=127.0.0.1:0",
                "-auth.publicKeyFiles=" + keyDir.resolve("nginx-hdr.pem"), "-auth.httpHeader=" + tokenHeader,
                "-apikeys.file=" + keyDir.resolve("apikeys.yaml"), "-apikeys.httpHeader=" + keyHeader);
        running.add(gateway);
        String shipped = Files.readString(SHIPPED_CONFIG);
        NginxServer nginx = NginxServer.start(port -> shipped
                .replace("server 127.0.0.1:8431;", "server 127.0.0.1:" + gateway.httpPort() + ";")
                .replace("server 127.0.0.1:8428;", "server 127.0.0.1:" + echo.getAddress().getPort() + ";")
                .replace("listen 127.0.0.1:8427;", "listen 127.0.0.1:" + port + ";"));
        running.add(0, nginx);
        return nginx;
    }

    private String token() {
        Map<String, Object> access = new LinkedHashMap<>();
        access.put("extra_labels", Map.of("team", "dev"));
        access.put("mode", 3);
        return TokenMinter.mint("RS256", "nginx-hdr", signingKey, Map.of("sub", "dev",
                "exp", Instant.now().plusSeconds(900).getEpochSecond(), "vm_access", access));
    }

    private Received send(NginxServer nginx, String method, String target, Map<String, String> headers, String body)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + nginx.port() + target))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(b::header);
        FORGED.forEach(b::header);
        b.header("User-Agent", "nginx-credential-headers-it");
        received.clear();
        HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), "tsgate should allow this request: " + r.body() + " "
                + r.headers().firstValue("x-tsgate-reason").orElse(""));
        Received got = received.poll(10, TimeUnit.SECONDS);
        assertNotNull(got, "the echo upstream received nothing");
        return got;
    }

    private static void assertNoCredentialUpstream(Received got, List<String> credentialHeaders, String secret) {
        for (String h : credentialHeaders) {
            assertFalse(got.headers().containsKey(h.toLowerCase(Locale.ROOT)), h + " reached the upstream: " + got);
        }
        for (String h : FORGED.keySet()) {
            assertFalse(got.headers().containsKey(h.toLowerCase(Locale.ROOT)), h + " reached the upstream: " + got);
        }
        for (Map.Entry<String, List<String>> e : got.headers().entrySet()) {
            assertFalse(e.getKey().startsWith("x-tsgate-"), e.getKey() + " reached the upstream");
            for (String v : e.getValue()) {
                assertFalse(v.contains(secret), "the credential reached the upstream in " + e.getKey());
            }
        }
        assertFalse(got.uri().contains(secret), "the credential reached the upstream in the path");
        assertEquals(List.of("nginx-credential-headers-it"), got.headers().get("user-agent"), "benign headers pass");
    }

    @ParameterizedTest(name = "token in {0}, API key in {1}")
    @CsvSource({"Authorization, X-Api-Key", "X-Scope-Token, X-Machine-Key"})
    void noCredentialTenantOrGatewayHeaderReachesTheUpstream(String tokenHeader, String keyHeader) throws Exception {
        NginxServer nginx = dataPlane(tokenHeader, keyHeader);
        List<String> credentialHeaders = List.of("Authorization", "X-Api-Key", tokenHeader, keyHeader);
        String token = token();
        String tokenValue = tokenHeader.equals("Authorization") ? "Bearer " + token : token;

        Received write = send(nginx, "POST", "/api/v1/import/prometheus", Map.of(keyHeader, API_KEY,
                "Content-Type", "text/plain"), "nginx_it_hdr 1\n");
        assertTrue(write.uri().startsWith("/api/v1/import/prometheus?extra_label=team%3Da"), write.uri());
        assertEquals(List.of("text/plain"), write.headers().get("content-type"));
        assertEquals("nginx_it_hdr 1\n", write.body(), "the body still arrives");
        assertNoCredentialUpstream(write, credentialHeaders, API_KEY);

        Received read = send(nginx, "GET", "/api/v1/query?query=up", Map.of(tokenHeader, tokenValue,
                "Accept-Encoding", "gzip"), null);
        assertTrue(read.uri().startsWith("/api/v1/query?query=up&extra_label=team%3Ddev"), read.uri());
        assertEquals(List.of("gzip"), read.headers().get("accept-encoding"));
        assertNoCredentialUpstream(read, credentialHeaders, token);
    }
}

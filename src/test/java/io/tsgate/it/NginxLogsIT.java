package io.tsgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tsgate.auth.TokenMinter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped {@code examples/nginx/tsgate-logs.conf} with real nginx and tsgate in front of
 * {@link VictoriaLogsStandIn} (VictoriaLogs v1.26.0's tenant headers and arguments,
 * https://docs.victoriametrics.com/victorialogs/querying/): the tenant VictoriaLogs would use is the token's,
 * whatever AccountID the client sends, and the filters are the token's.
 */
@ExtendWith(ExternalServers.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NginxLogsIT {
    private static final Path SHIPPED = Path.of("examples/nginx/tsgate-logs.conf");
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private InProcessGateway gateway;
    private VictoriaLogsStandIn logs;
    private NginxServer nginx;
    private byte[] secret;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        Path secretFile = dir.resolve("hmac.secret");
        Files.writeString(secretFile, "0123456789abcdef0123456789abcdef0123456789abcdef");
        secret = TokenMinter.readHmacSecret(secretFile);
        gateway = InProcessGateway.start("-auth.hmacSecretFiles=" + secretFile, "-http.trustedProxyHops=1",
                "-forwardAuth.proxyAppliesPath");
        logs = VictoriaLogsStandIn.start();
        String shipped = Files.readString(SHIPPED);
        assertTrue(shipped.contains("server 127.0.0.1:8431;") && shipped.contains("server 127.0.0.1:9428;")
                && shipped.contains("listen 127.0.0.1:9427;"), "shipped config changed its addresses");
        nginx = NginxServer.start(port -> shipped
                .replace("server 127.0.0.1:8431;", "server 127.0.0.1:" + gateway.httpPort() + ";")
                .replace("server 127.0.0.1:9428;", "server " + logs.baseUri().getAuthority() + ";")
                .replace("listen 127.0.0.1:9427;", "listen 127.0.0.1:" + port + ";"));
    }

    @AfterAll
    void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {nginx, logs, gateway}) {
            if (c != null) {
                c.close();
            }
        }
    }

    private String token(Map<String, Object> vmAccess) {
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("exp", Instant.now().getEpochSecond() + 600);
        claims.put("vm_access", vmAccess);
        return TokenMinter.mint("HS256", null, secret, claims);
    }

    private HttpResponse<String> get(String target, String token, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(nginx.baseUri() + target))
                .header("Authorization", "Bearer " + token);
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void confinedQueryReachesVictoriaLogsAsTheTokensTenantWithTheTokensFilters() throws Exception {
        String t = token(Map.of("logs_account_id", 5, "logs_project_id", 1, "logs_extra_filters", List.of("app:nginx")));
        HttpResponse<String> r = get("/select/logsql/query?query=error&extra_filters=*", t,
                "AccountID", "7", "ProjectID", "7");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("{\"tenant\":\"5:1\",\"query\":\"error\",\"extra_filters\":[\"app:nginx\"],"
                + "\"extra_stream_filters\":[]}", r.body());
        assertEquals(List.of("5"), logs.last().header("AccountID"));
        assertEquals(List.of(), logs.last().header("Authorization"));
    }

    @Test
    void denialsKeepTheirStatusAndReachNothing() throws Exception {
        int before = logs.received().size();
        String metricsOnly = token(Map.of("tenant_id", Map.of("account_id", 1)));
        HttpResponse<String> r = get("/select/logsql/query?query=*", metricsOnly, "AccountID", "1");
        assertEquals(403, r.statusCode());
        assertEquals("no_logs_grant", r.headers().firstValue("x-tsgate-reason").orElse(""));
        String confined = token(Map.of("logs_account_id", 5, "logs_extra_filters", List.of("app:x")));
        HttpResponse<String> repeated = get("/select/logsql/query?query=a&query=b", confined);
        assertEquals(400, repeated.statusCode());
        assertEquals(before, logs.received().size());
    }

    @Test
    void unconfinedWriteGoesToTheTokensTenant() throws Exception {
        String t = token(Map.of("logs_account_id", 3, "logs_project_id", 4));
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(nginx.baseUri() + "/insert/jsonline"))
                .header("Authorization", "Bearer " + t).header("ProjectID", "99")
                .POST(HttpRequest.BodyPublishers.ofString("{\"_msg\":\"hi\"}\n")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("3:4", logs.last().tenant());
    }
}

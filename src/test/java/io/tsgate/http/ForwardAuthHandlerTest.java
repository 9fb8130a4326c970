package io.tsgate.http;

import io.tsgate.config.HttpServerConfig;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tsgate.auth.Access;
import io.tsgate.auth.BearerTokenAuthenticator;
import io.tsgate.auth.CredentialRejectedException;
import io.tsgate.request.Label;
import io.tsgate.auth.Mode;
import io.tsgate.request.Tenant;
import io.tsgate.policy.Decision;
import io.tsgate.policy.DecisionObserver;
import io.tsgate.policy.Deny;
import io.tsgate.policy.RequestAuthorizer;
import io.tsgate.request.RequestAttributes;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Forward-auth over a real loopback HTTP listener, in each proxy's style. */
class ForwardAuthHandlerTest {
    private static final Access DEV = new Access(new Tenant(2, 0), List.of(new Label("team", "dev")), List.of(),
            Mode.READ, "alice", "", null);
    private static final ObjectMapper JSON = new ObjectMapper();
    private AdminHttpServer server;
    private final HttpClient client = HttpClient.newHttpClient();
    /** What the decision function last saw. */
    private final List<RequestAttributes> seen = new ArrayList<>();
    /** When set, answers instead of the real decision core (for denials the core cannot produce yet). */
    private Function<RequestAttributes, Decision> override;

    @BeforeEach
    void start() throws Exception {
        server = startServer(true);
    }

    /** @param proxyAppliesPath -forwardAuth.proxyAppliesPath */
    private AdminHttpServer startServer(boolean proxyAppliesPath) throws Exception {
        RequestAuthorizer authorizer = new RequestAuthorizer(new BearerTokenAuthenticator("authorization", t -> {
            if (t.equals("logs")) {
                return DEV.withBackends(new io.tsgate.auth.BackendGrants(false,
                        new io.tsgate.auth.LogsGrant(new Tenant(5, 1), List.of("app:x"), List.of()), null));
            }
            if (!t.equals("good")) {
                throw new CredentialRejectedException("bad_signature", "bad signature");
            }
            return DEV;
        }), true);
        PrometheusRegistry registry = new PrometheusRegistry();
        DecisionObserver observer = new DecisionObserver(registry, 0, false);
        Function<RequestAttributes, Decision> decide = r -> {
            seen.add(r);
            return override != null ? override.apply(r) : authorizer.decide(r);
        };
        return new AdminHttpServer(new InetSocketAddress("127.0.0.1", 0), registry, () -> null,
                Map.of("x-frame-options", "DENY"),
                new ForwardAuthHandler(decide, observer, Map.of("x-frame-options", "DENY"), proxyAppliesPath), null,
                HttpServerConfig.DEFAULTS);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private HttpResponse<String> get(String path, Map<String, String> headers) throws Exception {
        return get(server, path, headers);
    }

    private HttpResponse<String> get(AdminHttpServer on, String path, Map<String, String> headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + on.port() + path));
        headers.forEach(b::header);
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String header(HttpResponse<?> r, String name) {
        return r.headers().firstValue(name).orElse(null);
    }

    private static Map<String, String> nginx(String uri, String method, String token) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Authorization", "Bearer " + token);
        h.put("X-Original-URI", uri);
        h.put("X-Original-Method", method);
        return h;
    }

    // ---- Envoy http_service: /authz + original path --------------------------------------------------------

    @Test
    void envoyHttpServiceStyleAllowsWithRewrittenPath() throws Exception {
        HttpResponse<String> r = get("/authz/api/v1/query?query=up", Map.of("Authorization", "Bearer good"));
        assertEquals(200, r.statusCode());
        assertEquals("/select/2:0/prometheus/api/v1/query?query=up&extra_label=team%3Ddev", header(r, "x-tsgate-path"));
        assertEquals("2:0", header(r, "x-tsgate-tenant"));
        assertEquals("read", header(r, "x-tsgate-class"));
        assertEquals("DENY", header(r, "x-frame-options"));
    }

    @Test
    void envoyStyleIgnoresClientSentOriginalUri() throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/authz/api/v1/write"))
                .header("Authorization", "Bearer good").header("X-Original-URI", "/api/v1/query?query=up")
                .header("X-Forwarded-Uri", "/api/v1/query?query=up").header("X-Original-Method", "GET")
                .header("Content-Type", "application/x-protobuf")
                .POST(HttpRequest.BodyPublishers.ofString("x")).build();
        HttpResponse<String> r = client.send(req, HttpResponse.BodyHandlers.ofString());
        assertEquals(403, r.statusCode());
        assertEquals("mode_forbids_write", header(r, "x-tsgate-reason"));
        assertEquals("/api/v1/write", seen.get(0).rawPath());
        assertEquals("POST", seen.get(0).method());
        assertFalse(seen.get(0).headers().containsKey("x-original-uri"), "proxy description is not a request header");
    }

    @Test
    void envoyStylePassesTheRealStatus() throws Exception {
        HttpResponse<String> r = get("/authz/select/0:0/prometheus/api/v1/query", Map.of("Authorization", "Bearer good"));
        assertEquals(400, r.statusCode(), "Envoy passes any status to the client");
        assertEquals("400", header(r, "x-tsgate-status"));
        assertEquals("bad_data", JSON.readTree(r.body()).get("errorType").asText());
    }

    private HttpResponse<String> envoyPost(String path, String contentType, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .header("Authorization", "Bearer good")
                .POST(body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Without with_request_body Envoy sends Content-Length: 0 for a form body it did not buffer. */
    @Test
    void envoyStyleFormBodyThatWasNotForwardedIsDenied() throws Exception {
        HttpResponse<String> r = envoyPost("/authz/api/v1/query", "application/x-www-form-urlencoded", null);
        assertEquals(400, r.statusCode(), r.body());
        assertEquals("body_not_forwarded", header(r, "x-tsgate-reason"));
    }

    @Test
    void envoyStyleForwardedFormBodyIsChecked() throws Exception {
        assertEquals(200, envoyPost("/authz/api/v1/query", "application/x-www-form-urlencoded", "query=up").statusCode());
        HttpResponse<String> smuggled = envoyPost("/authz/api/v1/query", "application/x-www-form-urlencoded",
                "query=up&extra_label=team=prod");
        assertEquals(400, smuggled.statusCode());
        assertEquals("body_label_param", header(smuggled, "x-tsgate-reason"));
    }

    /** Envoy forwards Content-Type only when allowed_headers lists it; without it a form body would look like none. */
    @Test
    void envoyStylePostWithoutContentTypeIsDenied() throws Exception {
        HttpResponse<String> r = envoyPost("/authz/api/v1/query", null, null);
        assertEquals(400, r.statusCode());
        assertEquals("forward_auth_no_content_type", header(r, "x-tsgate-reason"));
    }

    // ---- nginx auth_request: X-Original-URI / X-Original-Method ---------------------------------------------

    @Test
    void nginxStyleReadsOriginalUriAndMethod() throws Exception {
        HttpResponse<String> r = get("/authz-nginx", nginx("/api/v1/write", "POST", "good"));
        assertEquals(403, r.statusCode());
        assertEquals("403", header(r, "x-tsgate-status"));
        assertEquals("mode_forbids_write", header(r, "x-tsgate-reason"));
        assertEquals("POST", seen.get(0).method());
        assertEquals("/api/v1/write", seen.get(0).rawPath());
    }

    @Test
    void nginxStyleAllowsWithRewrittenPath() throws Exception {
        HttpResponse<String> r = get("/authz-nginx", nginx("/api/v1/query?query=up", "GET", "good"));
        assertEquals(200, r.statusCode());
        assertEquals("/select/2:0/prometheus/api/v1/query?query=up&extra_label=team%3Ddev", header(r, "x-tsgate-path"));
    }

    @Test
    void nginxStyleCarriesRealStatusAndBodyForNon401Denials() throws Exception {
        HttpResponse<String> r = get("/authz-nginx", nginx("/select/0:0/prometheus/api/v1/query", "GET", "good"));
        assertEquals(403, r.statusCode(), "nginx passes only 401/403 from auth_request");
        assertEquals("400", header(r, "x-tsgate-status"));
        JsonNode error = JSON.readTree(header(r, "x-tsgate-error"));
        assertEquals("bad_data", error.get("errorType").asText());
        assertEquals(r.body(), header(r, "x-tsgate-error"));
    }

    @Test
    void nginxStyleKeeps401WithChallenge() throws Exception {
        HttpResponse<String> r = get("/authz-nginx", nginx("/api/v1/query", "GET", "forged"));
        assertEquals(401, r.statusCode());
        assertEquals("401", header(r, "x-tsgate-status"));
        assertEquals("Bearer error=\"invalid_token\"", header(r, "www-authenticate"));
        assertFalse(r.body().contains("forged"), "the credential is never echoed");
    }

    @Test
    void nginxStyleMapsRateLimitDenialsThroughTheStatusHeader() throws Exception {
        override = r -> Deny.of(429, "rate_limited_queries", "queries limit of 10 per minute reached")
                .withHeaders(Map.of("retry-after", "42", "ratelimit-limit", "10", "ratelimit-remaining", "0"));
        HttpResponse<String> r = get("/authz-nginx", nginx("/api/v1/query", "GET", "good"));
        assertEquals(403, r.statusCode());
        assertEquals("429", header(r, "x-tsgate-status"));
        assertEquals("42", header(r, "retry-after"));
        assertEquals("10", header(r, "ratelimit-limit"));
        assertEquals("too_many_requests", JSON.readTree(header(r, "x-tsgate-error")).get("errorType").asText());
    }

    @Test
    void rateLimitDenialsKeepTheirStatusWhereTheProxyPassesIt() throws Exception {
        override = r -> Deny.of(429, "rate_limited_queries", "limit reached").withHeaders(Map.of("retry-after", "42"));
        HttpResponse<String> envoy = get("/authz/api/v1/query", Map.of("Authorization", "Bearer good"));
        HttpResponse<String> traefik = get("/authz-forwarded", Map.of("X-Forwarded-Uri", "/api/v1/query",
                "X-Forwarded-Method", "GET"));
        assertEquals(429, envoy.statusCode());
        assertEquals(429, traefik.statusCode());
        assertEquals("42", header(traefik, "retry-after"));
    }

    @Test
    void nginxErrorHeaderIsAsciiEvenForNonAsciiMessages() throws Exception {
        override = r -> Deny.of(400, "bad", "bad label value \u00e9\u2028");
        HttpResponse<String> r = get("/authz-nginx", nginx("/api/v1/query", "GET", "good"));
        String error = header(r, "x-tsgate-error");
        assertTrue(error.chars().allMatch(c -> c >= 0x20 && c < 0x7f), error);
        assertEquals("bad label value \u00e9\u2028", JSON.readTree(error).get("error").asText());
    }

    /** A client cannot pick what is authorized by sending another style's header, or a second copy. */
    @Test
    void nginxStyleWithoutOriginalUriDeniesEvenIfAnotherStyleHeaderIsPresent() throws Exception {
        HttpResponse<String> r = get("/authz-nginx", Map.of("Authorization", "Bearer good",
                "X-Forwarded-Uri", "/api/v1/query?query=up", "X-Forwarded-Method", "GET"));
        assertEquals(403, r.statusCode());
        assertEquals("400", header(r, "x-tsgate-status"));
        assertEquals("forward_auth_no_original_uri", header(r, "x-tsgate-reason"));
        assertTrue(seen.isEmpty() || seen.get(0).rawPath().isEmpty());
    }

    @Test
    void repeatedOriginalUriIsDenied() throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/authz-nginx"))
                .header("Authorization", "Bearer good").header("X-Original-Method", "GET")
                .header("X-Original-URI", "/api/v1/query?query=up").header("X-Original-URI", "/api/v1/write").build();
        HttpResponse<String> r = client.send(req, HttpResponse.BodyHandlers.ofString());
        assertEquals("forward_auth_no_original_uri", header(r, "x-tsgate-reason"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "get", "G ET", "GET,POST"})
    void nginxStyleRequiresAnUpperCaseOriginalMethod(String method) throws Exception {
        Map<String, String> h = nginx("/api/v1/query", method, "good");
        if (method.isEmpty()) {
            h.remove("X-Original-Method");
        }
        HttpResponse<String> r = get("/authz-nginx", h);
        assertEquals(403, r.statusCode());
        assertEquals("400", header(r, "x-tsgate-status"));
        assertTrue(header(r, "x-tsgate-reason").startsWith("forward_auth_"), header(r, "x-tsgate-reason"));
    }

    @Test
    void originalUriMustBeOriginForm() throws Exception {
        HttpResponse<String> r = get("/authz-nginx", nginx("http://evil/api/v1/query", "GET", "good"));
        assertEquals("forward_auth_bad_original_uri", header(r, "x-tsgate-reason"));
    }

    // ---- Traefik forwardAuth / Caddy forward_auth: X-Forwarded-* --------------------------------------------

    @Test
    void traefikStyleGetsRealStatusAndChallenge() throws Exception {
        HttpResponse<String> r = get("/authz-forwarded", Map.of("Authorization", "Bearer nope",
                "X-Forwarded-Uri", "/api/v1/query", "X-Forwarded-Method", "GET"));
        assertEquals(401, r.statusCode());
        assertEquals("Bearer error=\"invalid_token\"", header(r, "www-authenticate"));
        assertTrue(r.body().contains("\"errorType\":\"unauthorized\""), r.body());
    }

    @Test
    void traefikStyleAllowsAndRecordsTheForwardedHost() throws Exception {
        HttpResponse<String> r = get("/authz-forwarded", Map.of("Authorization", "Bearer good",
                "X-Forwarded-Uri", "/api/v1/series?match[]=up", "X-Forwarded-Method", "GET",
                "X-Forwarded-Host", "metrics.example.com"));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("/select/2:0/prometheus/api/v1/series?match%5B%5D=up&extra_label=team%3Ddev",
                header(r, "x-tsgate-path"));
        assertEquals("metrics.example.com", seen.get(0).header("host"));
    }

    @Test
    void forwardedStyleIgnoresNginxHeaders() throws Exception {
        HttpResponse<String> r = get("/authz-forwarded", nginx("/api/v1/query", "GET", "good"));
        assertEquals(400, r.statusCode());
        assertEquals("forward_auth_no_original_uri", header(r, "x-tsgate-reason"));
    }

    // ---- -forwardAuth.proxyAppliesPath ---------------------------------------------------------------------

    /** Envoy's http_service and Traefik cannot replace the path by themselves: unconfined forwarding must not happen. */
    @Test
    void withoutTheFlagAllowsThatNeedTheRewrittenPathAreRefused() throws Exception {
        try (AdminHttpServer strict = startServer(false)) {
            HttpResponse<String> envoy = get(strict, "/authz/api/v1/query?query=up", Map.of("Authorization", "Bearer good"));
            assertEquals(403, envoy.statusCode(), envoy.body());
            assertEquals("forward_auth_path_not_applied", header(envoy, "x-tsgate-reason"));
            assertEquals(null, header(envoy, "x-tsgate-path"), "no path a proxy could mistake for an allow");
            HttpResponse<String> traefik = get(strict, "/authz-forwarded", Map.of("Authorization", "Bearer good",
                    "X-Forwarded-Uri", "/api/v1/query?query=up", "X-Forwarded-Method", "GET"));
            assertEquals(403, traefik.statusCode());
            HttpResponse<String> nginx = get(strict, "/authz-nginx", nginx("/api/v1/query?query=up", "GET", "good"));
            assertEquals(200, nginx.statusCode(), "the shipped nginx config applies x-tsgate-path");
        }
    }

    @Test
    void withoutTheFlagAnUnconfinedSingleNodeAllowStillPasses() throws Exception {
        Access open = new Access(new Tenant(0, 0), List.of(), List.of(), Mode.READ, "bob", "", null);
        RequestAuthorizer singleNode = new RequestAuthorizer(new BearerTokenAuthenticator("authorization", t -> open), false);
        override = singleNode::decide;
        try (AdminHttpServer strict = startServer(false)) {
            HttpResponse<String> r = get(strict, "/authz/api/v1/series?match[]=up", Map.of("Authorization", "Bearer any"));
            assertEquals(200, r.statusCode(), r.body());
            assertEquals("/api/v1/series?match%5B%5D=up", header(r, "x-tsgate-path"), "only re-encoded");
        }
    }

    @Test
    void confinementIsCarriedByAPathChangeOrByLabels() {
        Access labelled = DEV;
        Access open = new Access(new Tenant(0, 0), List.of(), List.of(), Mode.READ, "bob", "", null);
        assertTrue(ForwardAuthHandler.rewriteCarriesConfinement(
                new io.tsgate.policy.Allow("/api/v1/query?query=up&extra_label=team%3Ddev", labelled,
                        io.tsgate.request.RequestClass.READ, List.of()), "/api/v1/query?query=up"));
        assertTrue(ForwardAuthHandler.rewriteCarriesConfinement(
                new io.tsgate.policy.Allow("/select/0:0/prometheus/api/v1/query?query=up", open,
                        io.tsgate.request.RequestClass.READ, List.of()), "/api/v1/query?query=up"));
        assertFalse(ForwardAuthHandler.rewriteCarriesConfinement(
                new io.tsgate.policy.Allow("/api/v1/query?query=up%7B%7D", open,
                        io.tsgate.request.RequestClass.READ, List.of()), "/api/v1/query?query=up{}"));
    }

    // ---- backends: chosen by the endpoint the proxy calls ------------------------------------------------------

    @Test
    void nginxLogsEndpointAuthorizesForLogsAndAnswersTheTenantHeaders() throws Exception {
        Map<String, String> h = nginx("/select/logsql/query?query=*", "GET", "logs");
        h.put("AccountID", "0");
        HttpResponse<String> r = get("/authz-nginx/logs", h);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("5", header(r, "AccountID"));
        assertEquals("1", header(r, "ProjectID"));
        assertEquals("5:1", header(r, "x-tsgate-tenant"));
        assertEquals("/select/logsql/query?query=%2A&extra_filters=app%3Ax", header(r, "x-tsgate-path"));
        assertEquals(Map.of("backend", "logs"), seen.get(0).contextExtensions());
    }

    @Test
    void theBackendIsTheEndpointsNotTheClients() throws Exception {
        // A logs-only token on the metrics endpoint: no metrics grant, whatever the client claims to want.
        Map<String, String> h = nginx("/select/logsql/query?query=*", "GET", "logs");
        h.put("x-tsgate-backend", "logs");
        HttpResponse<String> r = get("/authz-nginx", h);
        assertEquals("no_metrics_grant", header(r, "x-tsgate-reason"));
        assertEquals(Map.of(), seen.get(0).contextExtensions());
        HttpResponse<String> m = get("/authz-nginx/traces", nginx("/select/logsql/query?query=*", "GET", "good"));
        assertEquals("no_traces_grant", header(m, "x-tsgate-reason"));
    }

    @Test
    void envoyAndForwardedStylesHaveLogsAndTracesEndpoints() throws Exception {
        HttpResponse<String> e = get("/authz-logs/select/logsql/hits?query=x", Map.of("Authorization", "Bearer logs"));
        assertEquals(200, e.statusCode(), e.body());
        assertEquals("5", header(e, "AccountID"));
        assertEquals("/select/logsql/hits", seen.get(0).rawPath().substring(0, 19));
        Map<String, String> f = new LinkedHashMap<>();
        f.put("Authorization", "Bearer logs");
        f.put("X-Forwarded-Uri", "/select/jaeger/api/services");
        f.put("X-Forwarded-Method", "GET");
        HttpResponse<String> t = get("/authz-forwarded/traces", f);
        assertEquals(403, t.statusCode());
        assertEquals("no_traces_grant", header(t, "x-tsgate-reason"));
    }

    @Test
    void withoutTheFlagLogsAllowsAreRefusedWhereTheProxyMayNotSetTheTenantHeaders() throws Exception {
        AdminHttpServer plain = startServer(false);
        try {
            HttpResponse<String> e = get(plain, "/authz-logs/select/logsql/hits?query=x",
                    Map.of("Authorization", "Bearer logs"));
            assertEquals(403, e.statusCode());
            assertEquals("forward_auth_path_not_applied", header(e, "x-tsgate-reason"));
            HttpResponse<String> n = get(plain, "/authz-nginx/logs", nginx("/select/logsql/hits?query=x", "GET", "logs"));
            assertEquals(403, n.statusCode(), "no shipped nginx config sets the tenant headers: the flag says yours does");
            assertEquals("forward_auth_path_not_applied", header(n, "x-tsgate-reason"));
            HttpResponse<String> m = get(plain, "/authz-nginx", nginx("/api/v1/query?query=up", "GET", "good"));
            assertEquals(200, m.statusCode(), "metrics through nginx stay as they were");
        } finally {
            plain.close();
        }
    }

    // ---- endpoints -----------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"/authz", "/authzx", "/authz-nginx/x", "/authz-nginxx", "/authz-forwarded/api/v1/query",
            "/authz-nginx/logs/", "/authz-nginx/Logs", "/authz-nginx/logsx", "/authz-logs", "/authz-metrics/api/v1/query",
            "/authz-forwarded/traces/x"})
    void onlyTheStyleEndpointsDecide(String path) throws Exception {
        HttpResponse<String> r = get(path, nginx("/api/v1/query", "GET", "good"));
        assertEquals(404, r.statusCode(), path);
        assertTrue(seen.isEmpty(), "no decision for " + path);
    }

    @Test
    void healthAndMetricsAreServed() throws Exception {
        assertEquals(200, get("/health", Map.of()).statusCode());
        assertEquals(200, get("/ready", Map.of()).statusCode());
        get("/authz/api/v1/query", Map.of());
        get("/authz-nginx", Map.of());
        String metrics = get("/metrics", Map.of()).body();
        assertTrue(metrics.contains("tsgate_decisions_total{adapter=\"forward_auth\",class=\"none\",decision=\"deny\",reason=\"missing_credential\"} 1"),
                metrics);
        assertTrue(metrics.contains("tsgate_decisions_total{adapter=\"forward_auth_nginx\",class=\"none\",decision=\"deny\",reason=\"forward_auth_no_original_uri\"} 1"),
                metrics);
    }
}

package io.tsgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tsgate.auth.JwksFixtures;
import io.tsgate.auth.JwksFixtures.SigningKey;
import io.tsgate.auth.TokenMinter;
import io.tsgate.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issuer binding against a real nginx serving two OpenID Connect discovery documents and their JWKS: each issuer's
 * keys verify only tokens naming that issuer, even when both publish a key under the same kid; a multi-tenant
 * document (issuer holding {@code {tenantid}}) is matched against the token's {@code tid} and needs an audience.
 */
class IssuerBindingIT {
    private static final Duration WAIT = Duration.ofSeconds(30);

    private static void serve(NginxServer nginx, String name, String content) throws Exception {
        Path p = nginx.root().resolve(name);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
        for (Path d = p; !d.equals(nginx.root()); d = d.getParent()) {
            Files.setPosixFilePermissions(d, java.nio.file.attribute.PosixFilePermissions
                    .fromString(Files.isDirectory(d) ? "rwxr-xr-x" : "rw-r--r--"));
        }
    }

    /** Publishes {@code /<name>/.well-known/openid-configuration} with {@code issuer} and the key's JWKS. */
    private static String discovery(NginxServer nginx, String name, String issuer, SigningKey key) throws Exception {
        serve(nginx, name + "/keys", JwksFixtures.jwks(key));
        serve(nginx, name + "/.well-known/openid-configuration", "{\"issuer\":\"" + issuer + "\",\"jwks_uri\":\""
                + nginx.baseUri() + "/" + name + "/keys\"}");
        return nginx.baseUri() + "/" + name + "/.well-known/openid-configuration";
    }

    private static String token(SigningKey k, Map<String, Object> extra) {
        Map<String, Object> c = new HashMap<>(JwksFixtures.claims(1, 5, Instant.now().plus(Duration.ofHours(1))));
        c.putAll(extra);
        c.values().removeIf(v -> v == null);
        return TokenMinter.mint(k.alg(), k.kid(), k.privateKey(), c);
    }

    @Test
    void aTokenSignedByIssuerAsKeyButClaimingIssuerBIsRefused() throws Exception {
        SigningKey keyA = JwksFixtures.rsa("shared");
        SigningKey keyB = JwksFixtures.rsa("shared");
        try (NginxServer nginx = NginxServer.start(p -> "server { listen 127.0.0.1:" + p + "; location / { root {root}; } }")) {
            String issA = nginx.baseUri() + "/a";
            String issB = nginx.baseUri() + "/b";
            String a = discovery(nginx, "a", issA, keyA);
            String b = discovery(nginx, "b", issB, keyB);
            try (InProcessGateway g = InProcessGateway.start("-auth.oidcDiscoveryEndpoints=" + a + "," + b,
                    "-auth.jwksRefreshInterval=1s", "-auth.jwksMinRefreshInterval=200ms")) {
                Await.until("/ready", WAIT, g::readyStatus, s -> s == 200);
                assertEquals(200, g.bearerStatus(token(keyA, Map.of("iss", issA))));
                assertEquals(200, g.bearerStatus(token(keyB, Map.of("iss", issB))));
                assertEquals(401, g.bearerStatus(token(keyA, Map.of("iss", issB))),
                        "A's key, same kid as B's, claiming B");
                assertEquals(401, g.bearerStatus(token(keyB, Map.of("iss", issA))));
                Map<String, Object> noIss = new HashMap<>();
                noIss.put("iss", null);
                assertEquals(401, g.bearerStatus(token(keyA, noIss)), "no iss: no issuer's keys take it");
                assertEquals(401, g.bearerStatus(token(keyA, Map.of("iss", nginx.baseUri() + "/c"))));
                assertEquals(401, g.bearerStatus(token(keyA, Map.of("iss", issA + "/"))), "issuer compared exactly");
            }
        }
    }

    @Test
    void aMultiTenantDocumentMatchesIssuerByTidAndNeedsAnAudience() throws Exception {
        SigningKey key = JwksFixtures.rsa("mt");
        try (NginxServer nginx = NginxServer.start(p -> "server { listen 127.0.0.1:" + p + "; location / { root {root}; } }")) {
            String template = nginx.baseUri() + "/{tenantid}/v2.0";
            String url = discovery(nginx, "multi", template, key);
            String tid = "72f988bf-86f1-41af-91ab-2d7cd011db47";
            String iss = nginx.baseUri() + "/" + tid + "/v2.0";
            try (InProcessGateway g = InProcessGateway.start("-auth.oidcDiscoveryEndpoints=" + url,
                    "-auth.jwksRefreshInterval=1s", "-auth.jwksMinRefreshInterval=200ms")) {
                Await.until("the refusal to load a multi-tenant document without audience", WAIT,
                        () -> g.metric("tsgate_auth_jwks_refresh_errors_total", ""), v -> v >= 1);
                assertEquals(503, g.readyStatus(), "no keys taken from it");
                assertEquals(401, g.bearerStatus(token(key, Map.of("iss", iss, "tid", tid, "aud", "app"))));
            }
            try (InProcessGateway g = InProcessGateway.start("-auth.oidcDiscoveryEndpoints=" + url + "|audience=app",
                    "-auth.jwksRefreshInterval=1s", "-auth.jwksMinRefreshInterval=200ms")) {
                Await.until("/ready", WAIT, g::readyStatus, s -> s == 200);
                assertEquals(200, g.bearerStatus(token(key, Map.of("iss", iss, "tid", tid, "aud", "app"))));
                assertEquals(401, g.bearerStatus(token(key, Map.of("iss", iss, "tid", tid, "aud", "other"))));
                assertEquals(401, g.bearerStatus(token(key, Map.of("iss", iss, "tid", "other-tenant", "aud", "app"))),
                        "iss of one tenant, tid of another");
                assertEquals(401, g.bearerStatus(token(key, Map.of("iss", iss, "aud", "app"))), "no tid");
                assertEquals(401, g.bearerStatus(token(key, Map.of("iss", template, "tid", "{tenantid}", "aud", "app"))),
                        "the template itself is no issuer");
            }
        }
        ConfigException e = assertThrows(ConfigException.class, () -> InProcessGateway.start(
                "-auth.oidcDiscoveryEndpoints=https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration"));
        assertTrue(e.getMessage().contains("audience"), e.getMessage());
    }

    @Test
    void accessRulesGrantIdentityProviderTokensAndReloadWithoutRestart(@org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        SigningKey key = JwksFixtures.p256("kc");
        Path rules = dir.resolve("rules.yaml");
        Files.writeString(rules, "rules: [{name: devs, match_claims: {groups: team-dev}, "
                + "vm_access: {tenant_id: {account_id: 3}, mode: 1}}]");
        try (NginxServer nginx = NginxServer.start(p -> "server { listen 127.0.0.1:" + p + "; location / { root {root}; } }")) {
            String iss = nginx.baseUri() + "/realms/demo";
            String url = discovery(nginx, "realms/demo", iss, key);
            try (InProcessGateway g = InProcessGateway.start("-auth.oidcDiscoveryEndpoints=" + url + "|audience=tsgate",
                    "-auth.accessRules=" + rules, "-auth.accessRulesCheckInterval=100ms",
                    "-auth.jwksRefreshInterval=1s", "-auth.jwksMinRefreshInterval=200ms")) {
                Await.until("/ready", WAIT, g::readyStatus, s -> s == 200);
                Map<String, Object> noAccess = new HashMap<>();
                noAccess.put("vm_access", null);
                noAccess.put("iss", iss);
                noAccess.put("aud", "tsgate");
                Map<String, Object> dev = new HashMap<>(noAccess);
                dev.put("groups", java.util.List.of("ops", "team-dev"));
                String devToken = token(key, dev);
                assertEquals(200, g.bearerStatus(devToken));
                Map<String, Object> ops = new HashMap<>(noAccess);
                ops.put("groups", java.util.List.of("ops"));
                assertEquals(403, g.bearerStatus(token(key, ops)));
                assertEquals(1.0, g.metric("tsgate_decisions_total", "reason=\"no_access_rule\""));
                Files.writeString(rules, "rules: [{name: sre, match_claims: {groups: sre}, "
                        + "vm_access: {tenant_id: {account_id: 4}, mode: 1}}]");
                Await.until("the reloaded rules to refuse the cached dev token", WAIT, () -> g.bearerStatus(devToken),
                        s -> s == 403);
                Files.writeString(rules, "rules: [{match_claims: {groups: ops}, vm_access: {tenant_id: {}}}]");
                Await.until("the failed reload in the metric", WAIT,
                        () -> g.metric("tsgate_config_last_reload_successful", "access_rules"), v -> v == 0.0);
                Map<String, Object> sre = new HashMap<>(noAccess);
                sre.put("groups", "sre");
                assertEquals(200, g.bearerStatus(token(key, sre)), "the last good rules stay");
                assertEquals(403, g.bearerStatus(devToken));
            }
        }
    }
}

package io.tsgate.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tsgate.reload.ReloadMetrics;
import io.tsgate.testing.MutableClock;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reloading access rules: a good file swaps in, a broken one keeps the last good rules, cached decisions follow. */
class AccessRulesReloadTest {
    private static final String V1 = "rules: [{match_claims: {g: a}, vm_access: {tenant_id: {account_id: 1}, mode: 1}}]";
    private static final String V2 = "rules: [{match_claims: {g: a}, vm_access: {tenant_id: {account_id: 2}, mode: 1}}]";
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final MutableClock clock = new MutableClock(TestKeys.NOW);

    private String metrics() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, registry.scrape());
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aGoodFileSwapsInABrokenOneKeepsTheLastGoodRules(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("rules.yaml");
        Files.writeString(f, V1);
        AccessRulesReloader r = AccessRulesReloader.load(f, clock, new ReloadMetrics(registry));
        AccessRules first = r.get();
        assertTrue(r.reload());
        assertSame(first, r.get(), "unchanged text: same snapshot, cached decisions stay");
        Files.writeString(f, "rules: [{match_claims: {g: a}, vm_access: {tenant_id: {}}}]");
        assertFalse(r.reload(), "no mode");
        assertSame(first, r.get());
        assertTrue(metrics().contains("tsgate_config_last_reload_successful{config=\"access_rules\"} 0"), metrics());
        assertTrue(metrics().contains("tsgate_config_reload_errors_total{config=\"access_rules\"} 1.0"));
        Files.writeString(f, V2);
        assertTrue(r.reload());
        assertEquals(2, r.get().match(ClaimsParser.readPayload("{\"g\":\"a\"}")).grant().get("tenant_id")
                .get("account_id").asInt());
        assertTrue(metrics().contains("tsgate_config_last_reload_successful{config=\"access_rules\"} 1"));
        Files.delete(f);
        assertFalse(r.reload(), "a missing file keeps the rules too");
    }

    @Test
    void aBrokenFileAtStartIsAnErrorNamingIt(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("rules.yaml");
        Files.writeString(f, "rules: [{match_claims: {g: a}, vm_access: {mode: 1}}, {match_claims: {g: a}, vm_access: {mode: 2}}]");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AccessRulesReloader.load(f, clock, new ReloadMetrics(registry)));
        assertTrue(e.getMessage().contains("identical match_claims") && e.getMessage().contains(f.toString()),
                e.getMessage());
    }

    @Test
    void aReloadInvalidatesCachedDecisions(@TempDir Path dir) throws Exception {
        Path secret = KeyPairFiles.writeHmacSecret(dir.resolve("s.secret"), 64, new SecureRandom());
        Path f = dir.resolve("rules.yaml");
        Files.writeString(f, V1);
        AccessRulesReloader rules = AccessRulesReloader.load(f, clock, new ReloadMetrics(registry));
        JwtSettings s = TestKeys.settings(List.of(), List.of(secret));
        JwtVerifier v = new JwtVerifier(s, PemKeySource.load(s), clock, false, rules, false);
        Map<String, Object> c = new HashMap<>(TestKeys.claims());
        c.remove("vm_access");
        c.put("g", "a");
        String token = TokenMinter.mint("HS256", null, TokenMinter.readHmacSecret(secret), c);
        assertEquals(1, v.verify(token).tenant().accountId());
        assertEquals(1, v.verify(token).tenant().accountId());
        assertEquals(1, v.cacheHits());
        Files.writeString(f, V2);
        assertTrue(rules.reload());
        assertEquals(2, v.verify(token).tenant().accountId(), "the cached grant of the old rules is not served");
        Files.writeString(f, "rules: [{match_claims: {g: b}, vm_access: {mode: 1}}]");
        assertTrue(rules.reload());
        CredentialRejectedException e = assertThrows(CredentialRejectedException.class, () -> v.verify(token));
        assertEquals("no_access_rule", e.reason());
    }
}

package io.tsgate.auth;

import io.tsgate.request.Tenant;
import io.tsgate.testing.MutableClock;
import static io.tsgate.auth.TestKeys.NOW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyOperation;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Resource;
import com.nimbusds.jose.util.ResourceRetriever;
import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * JWKS key source against an in-memory retriever and a hand-moved clock: load, periodic refresh, unknown-kid
 * refresh and its rate limit, outages, discovery, and which JWKs become verification keys.
 */
class JwksKeySourceTest {
    static final URI JWKS = URI.create("https://idp.example/jwks.json");
    static final URI DISCOVERY = URI.create("https://idp.example/.well-known/openid-configuration");
    static final JwksSettings SETTINGS = new JwksSettings(Duration.ofMinutes(5), Duration.ofSeconds(30),
            Duration.ofSeconds(1), null);
    static JwksFixtures.SigningKey a;
    static JwksFixtures.SigningKey b;
    static JwksFixtures.SigningKey ed;
    static JwksFixtures.SigningKey rsa2;

    @BeforeAll
    static void keys() throws Exception {
        a = JwksFixtures.rsa("a");
        b = JwksFixtures.p256("b");
        ed = JwksFixtures.ed25519("ed");
        rsa2 = JwksFixtures.rsa("rsa2");
    }

    /** Serves documents by URL; a missing document or {@link #down} fails like an unreachable endpoint. */
    static final class FakeEndpoint implements ResourceRetriever {
        final Map<String, String> docs = new ConcurrentHashMap<>();
        final List<String> fetched = new ArrayList<>();
        volatile boolean down;

        @Override
        public synchronized Resource retrieveResource(URL url) throws IOException {
            fetched.add(url.toString());
            String d = docs.get(url.toString());
            if (down || d == null) {
                throw new IOException("connection refused");
            }
            return new Resource(d, "application/json");
        }

        synchronized int count(URI u) {
            return (int) fetched.stream().filter(f -> f.equals(u.toString())).count();
        }
    }

    private final MutableClock clock = new MutableClock(NOW);
    private final FakeEndpoint endpoint = new FakeEndpoint();

    private JwksKeySource source() {
        return new JwksKeySource(JWKS, false, SETTINGS, endpoint, clock);
    }

    private JwtVerifier verifier(KeySource keys) {
        return new JwtVerifier(TestKeys.settings(List.of(), List.of()), keys, clock);
    }

    private static String reason(JwtVerifier v, String token) {
        return assertThrows(CredentialRejectedException.class, () -> v.verify(token)).reason();
    }

    private String token(JwksFixtures.SigningKey k) {
        return k.token(1, 5, NOW.plus(Duration.ofHours(1)));
    }

    @Test
    void firstTickLoadsTheKeysAndTokensOfEveryTypeVerify() throws Exception {
        endpoint.docs.put(JWKS.toString(), JwksFixtures.jwks(a, b, ed));
        JwksKeySource s = source();
        assertFalse(s.loaded());
        s.tick();
        assertTrue(s.loaded());
        assertEquals(3, s.keyCount());
        JwtVerifier v = verifier(new CombinedKeySource(() -> KeySet.EMPTY, List.of(s),
                Runnable::run));
        assertEquals("a", v.verify(token(a)).keyId());
        assertEquals("b", v.verify(token(b)).keyId());
        assertEquals("ed", v.verify(token(ed)).keyId());
        assertEquals(new Tenant(1, 5), v.verify(token(ed)).tenant());
    }

    @Test
    void ticksWithinTheRefreshIntervalDoNotFetchAndAfterItTheRotatedSetIsUsed() throws Exception {
        endpoint.docs.put(JWKS.toString(), JwksFixtures.jwks(a));
        JwksKeySource s = source();
        s.tick();
        KeySet first = s.keySet();
        clock.advance(Duration.ofMinutes(4));
        s.tick();
        assertEquals(1, endpoint.count(JWKS));
        endpoint.docs.put(JWKS.toString(), JwksFixtures.jwks(b));
        clock.advance(Duration.ofMinutes(1).plusSeconds(1));
        s.tick();
        assertEquals(2, endpoint.count(JWKS));
        assertTrue(s.keySet().hasKid("b"));
        assertFalse(s.keySet().hasKid("a"), "a key removed from the JWKS is dropped at the next refresh");
        assertTrue(first != s.keySet());
    }

    @Test
    void unchangedKeysKeepTheSameSnapshotSoCachedTokensStayValid() throws Exception {
        endpoint.docs.put(JWKS.toString(), JwksFixtures.jwks(a));
        JwksKeySource s = source();
        s.tick();
        KeySet first = s.keySet();
        clock.advance(Duration.ofMinutes(6));
        s.tick();
        assertEquals(2, endpoint.count(JWKS));
        assertSame(first, s.keySet());
    }

    @Test
    void unknownKidTriggersOneRefreshPerMinIntervalOnTheExecutor() throws Exception {
        endpoint.docs.put(JWKS.toString(), JwksFixtures.jwks(a));
        JwksKeySource s = source();
        s.tick();
        List<Runnable> queued = new ArrayList<>();
        CombinedKeySource keys = new CombinedKeySource(() -> KeySet.EMPTY, List.of(s), queued::add);
        JwtVerifier v = verifier(keys);
        endpoint.docs.put(JWKS.toString(), JwksFixtures.jwks(a, rsa2));
        assertEquals("unknown_kid", reason(v, token(rsa2)));
        assertEquals("unknown_kid", reason(v, token(rsa2)));
        assertEquals(1, queued.size(), "a second unknown kid within -auth.jwksMinRefreshInterval schedules nothing");
        assertEquals(1, endpoint.count(JWKS), "the request path itself never fetches");
        queued.remove(0).run();
        assertEquals(2, endpoint.count(JWKS));
        assertEquals("rsa2", v.verify(token(rsa2)).keyId());
        JwksFixtures.SigningKey c;
        try {
            c = JwksFixtures.rsa("c");
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        assertEquals("unknown_kid", reason(v, token(c)));
        assertEquals(0, queued.size());
        clock.advance(Duration.ofSeconds(31));
        assertEquals("unknown_kid", reason(v, token(c)));
        assertEquals(1, queued.size());
    }

    @Test
    void anOutageKeepsTheLastGoodKeysAndCountsErrors() throws Exception {
        endpoint.docs.put(JWKS.toString(), JwksFixtures.jwks(a));
        JwksKeySource s = source();
        s.tick();
        endpoint.down = true;
        clock.advance(Duration.ofMinutes(6));
        s.tick();
        assertEquals(1, s.refreshErrors());
        assertTrue(s.keySet().hasKid("a"));
        assertEquals(360.0, s.keyAgeSeconds(), 0.001);
        JwtVerifier v = verifier(new CombinedKeySource(() -> KeySet.EMPTY, List.of(s), Runnable::run));
        assertEquals("a", v.verify(token(a)).keyId());
        s.forceRefresh();
        assertEquals(2, s.refreshErrors(), "a forced refresh during the outage fails too, keys still kept");
        assertTrue(s.keySet().hasKid("a"));
        endpoint.down = false;
        clock.advance(Duration.ofMinutes(6));
        s.tick();
        assertEquals(0.0, s.keyAgeSeconds(), 0.001);
    }

    @Test
    void beforeTheFirstLoadTokensGetKeysNotLoadedAndTicksRetry() throws Exception {
        endpoint.down = true;
        JwksKeySource s = source();
        CombinedKeySource keys = new CombinedKeySource(() -> KeySet.EMPTY, List.of(s), Runnable::run);
        s.tick();
        assertFalse(s.loaded());
        assertEquals(1, s.refreshErrors());
        assertNotNull(keys.pending());
        assertTrue(keys.pending().contains("https://idp.example/jwks.json"), keys.pending());
        JwtVerifier v = verifier(keys);
        CredentialRejectedException e = assertThrows(CredentialRejectedException.class, () -> v.verify(token(a)));
        assertEquals("keys_not_loaded", e.reason());
        assertTrue(e.getMessage().contains("not loaded yet"), e.getMessage());
        endpoint.down = false;
        endpoint.docs.put(JWKS.toString(), JwksFixtures.jwks(a));
        clock.advance(Duration.ofSeconds(31));
        s.tick();
        assertTrue(s.loaded());
        assertNull(keys.pending());
        assertEquals("a", v.verify(token(a)).keyId());
    }

    @Test
    void discoveryDocumentLeadsToItsJwksUri() throws Exception {
        URI jwksUri = URI.create("https://idp.example/keys");
        endpoint.docs.put(DISCOVERY.toString(), "{\"issuer\":\"https://idp.example\",\"jwks_uri\":\"" + jwksUri + "\"}");
        endpoint.docs.put(jwksUri.toString(), JwksFixtures.jwks(ed));
        JwksKeySource s = new JwksKeySource(DISCOVERY, true, SETTINGS, endpoint, clock);
        s.tick();
        assertTrue(s.loaded());
        assertTrue(s.keySet().hasKid("ed"));
        clock.advance(Duration.ofMinutes(6));
        s.tick();
        assertEquals(1, endpoint.count(DISCOVERY), "the discovery document is resolved once");
        assertEquals(2, endpoint.count(jwksUri));
    }

    @Test
    void discoveryWithoutJwksUriIsARefreshError() throws Exception {
        endpoint.docs.put(DISCOVERY.toString(), "{\"issuer\":\"https://idp.example\"}");
        JwksKeySource s = new JwksKeySource(DISCOVERY, true, SETTINGS, endpoint, clock);
        s.tick();
        assertFalse(s.loaded());
        assertEquals(1, s.refreshErrors());
    }

    @Test
    void aSetWithoutUsableKeysKeepsTheLastGoodOne() throws Exception {
        endpoint.docs.put(JWKS.toString(), JwksFixtures.jwks(a));
        JwksKeySource s = source();
        s.tick();
        endpoint.docs.put(JWKS.toString(), JwksFixtures.jwks(List.of(new OctetSequenceKey.Builder(new byte[32])
                .keyID("sym").build())));
        clock.advance(Duration.ofMinutes(6));
        s.tick();
        assertEquals(1, s.refreshErrors());
        assertTrue(s.keySet().hasKid("a"));
        endpoint.docs.put(JWKS.toString(), "not json");
        clock.advance(Duration.ofMinutes(6));
        s.tick();
        assertEquals(2, s.refreshErrors());
        assertTrue(s.keySet().hasKid("a"));
    }

    @Test
    void onlySigningPublicKeysOfKnownTypesAreTaken() throws Exception {
        RSAKey full = new RSAKeyGenerator(2048).keyID("private").generate();
        List<JWK> jwks = List.of(
                new RSAKey.Builder((RSAKey) a.publicJwk()).keyID("enc").keyUse(KeyUse.ENCRYPTION).build(),
                new RSAKey.Builder((RSAKey) a.publicJwk()).keyID("ops").keyOperations(Set.of(KeyOperation.ENCRYPT)).build(),
                new OctetSequenceKey.Builder(new byte[32]).keyID("sym").build(),
                full,
                new RSAKey.Builder((RSAKey) a.publicJwk()).keyID("ok").keyUse(KeyUse.SIGNATURE).build());
        List<String> skipped = new ArrayList<>();
        List<VerificationKey> keys = JwkKeys.toKeys(jwks, "test", skipped::add);
        assertEquals(List.of("ok"), keys.stream().map(VerificationKey::kid).toList());
        assertEquals(4, skipped.size(), skipped.toString());
        assertFalse(skipped.toString().contains(full.getPrivateExponent().toString()), "no key material in messages");
    }

    @Test
    void algOnTheJwkRestrictsTheKeyToThatAlgorithm() throws Exception {
        JWK rs256Only = new RSAKey.Builder((RSAKey) a.publicJwk()).algorithm(JWSAlgorithm.RS256).build();
        VerificationKey k = JwkKeys.toKeys(List.of(rs256Only), "t", x -> { }).get(0);
        assertEquals(Set.of(JWSAlgorithm.RS256), k.algorithms());
        JWK mismatch = new RSAKey.Builder((RSAKey) a.publicJwk()).algorithm(JWSAlgorithm.ES256).build();
        List<String> skipped = new ArrayList<>();
        assertTrue(JwkKeys.toKeys(List.of(mismatch), "t", skipped::add).isEmpty());
        assertTrue(skipped.get(0).contains("does not fit"), skipped.toString());
        endpoint.docs.put(JWKS.toString(), JwksFixtures.jwks(List.of(rs256Only)));
        JwksKeySource s = source();
        s.tick();
        JwtVerifier v = verifier(new CombinedKeySource(() -> KeySet.EMPTY, List.of(s), Runnable::run));
        String ps256 = TokenMinter.mint("PS256", "a", a.privateKey(), JwksFixtures.claims(1, 5,
                Instant.parse("2030-01-01T01:00:00Z")));
        assertEquals("unsupported_alg", reason(v, ps256), "a key marked RS256 never checks a PS256 token");
        String hs256WithRsaKeyBytes = TokenMinter.mint("HS256", "a", a.publicJwk().toJSONString().repeat(2)
                .getBytes(), JwksFixtures.claims(1, 5, Instant.parse("2030-01-01T01:00:00Z")));
        assertEquals("unsupported_alg", reason(v, hs256WithRsaKeyBytes));
    }
}

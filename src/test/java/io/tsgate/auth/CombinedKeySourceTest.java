package io.tsgate.auth;

import io.tsgate.testing.MutableClock;
import static io.tsgate.auth.TestKeys.NOW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Key files and JWKS keys side by side, and a combined snapshot that changes only when a part changes. */
class CombinedKeySourceTest {
    @TempDir
    Path dir;

    @Test
    void fileAndJwksKeysBothVerifyAndTheSnapshotIsStableBetweenChanges() throws Exception {
        KeyPairFiles file = TestKeys.pair("RSA", dir, "file-key");
        JwtSettings settings = TestKeys.settings(List.of(file.publicKeyFile()), List.of());
        PemKeySource pem = PemKeySource.load(settings);
        JwksFixtures.SigningKey remote = JwksFixtures.ed25519("remote");
        JwksKeySourceTest.FakeEndpoint endpoint = new JwksKeySourceTest.FakeEndpoint();
        endpoint.docs.put(JwksKeySourceTest.JWKS.toString(), JwksFixtures.jwks(remote));
        MutableClock clock = new MutableClock(NOW);
        JwksKeySource jwks = new JwksKeySource(JwksKeySourceTest.JWKS, false, JwksKeySourceTest.SETTINGS, endpoint,
                clock);
        CombinedKeySource keys = new CombinedKeySource(pem, List.of(jwks), Runnable::run);
        KeySet before = keys.keySet();
        assertEquals(1, before.size());
        assertTrue(before.pending().contains("idp.example"), before.pending());
        assertSame(before, keys.keySet(), "no change, same snapshot");

        jwks.tick();
        KeySet after = keys.keySet();
        assertNotSame(before, after);
        assertSame(after, keys.keySet());
        assertEquals(2, after.size());
        assertEquals(null, after.pending());

        JwtVerifier v = new JwtVerifier(settings, keys, clock);
        String fileToken = TokenMinter.mint("RS256", "file-key", TestKeys.privateKey(file), TestKeys.claims());
        assertEquals("file-key", v.verify(fileToken).keyId());
        assertEquals("remote", v.verify(remote.token(1, 5, NOW.plus(Duration.ofHours(1)))).keyId());
        assertEquals(2, v.cacheMisses(), "both were verified once");
        v.verify(fileToken);
        assertEquals(1, v.cacheHits(), "an unchanged combined snapshot keeps cached tokens valid");
    }
}

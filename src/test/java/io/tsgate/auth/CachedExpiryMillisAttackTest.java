package io.tsgate.auth;

import static io.tsgate.auth.TestKeys.NOW;
import static io.tsgate.auth.TestKeys.claims;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.tsgate.testing.MutableClock;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Attack on the cache-hit expiry check in epoch milliseconds: tokens whose exp is integral or carries a fraction of
 * a millisecond, asked for one nanosecond before, at, and one nanosecond after exp. Safe: no cache hit (and no grant)
 * at or after exp; the check may only end a grant early, never late.
 */
class CachedExpiryMillisAttackTest {
    @TempDir
    static Path dir;
    static KeyPairFiles p256;

    @BeforeAll
    static void keys() throws Exception {
        p256 = TestKeys.pair("P-256", dir, "p256");
    }

    @ParameterizedTest(name = "exp = NOW + 1h + {0} s")
    @ValueSource(strings = {"0", "0.0007", "0.0004999", "0.9999", "0.000001", "0.001", "0.0015"})
    void noCachedGrantAtOrAfterExp(String fraction) throws Exception {
        MutableClock clock = new MutableClock(NOW);
        JwtVerifier v = new JwtVerifier(TestKeys.settings(List.of(p256.publicKeyFile()), List.of()),
                PemKeySource.load(TestKeys.settings(List.of(p256.publicKeyFile()), List.of())), clock);
        Map<String, Object> c = claims();
        BigDecimal exp = new BigDecimal(NOW.plus(Duration.ofHours(1)).getEpochSecond()).add(new BigDecimal(fraction));
        c.put("exp", fraction.equals("0") ? (Object) exp.longValueExact() : (Object) exp.doubleValue());
        String token = TokenMinter.mint("ES256", null, TestKeys.privateKey(p256), c);
        Access first = v.verify(token);
        Instant expiresAt = first.expiresAt();
        v.verify(token);
        assertEquals(1, v.cacheHits());

        clock.set(expiresAt.minusNanos(1));
        v.verify(token); // still valid: a hit or a fresh verification, either is fine
        long hitsBefore = v.cacheHits();

        for (Instant t : new Instant[] {expiresAt, expiresAt.plusNanos(1), expiresAt.plusNanos(999_999),
                expiresAt.plusMillis(1)}) {
            clock.set(t);
            assertEquals("token_expired", assertThrows(CredentialRejectedException.class, () -> v.verify(token),
                    () -> "granted at " + t + " for exp " + expiresAt).reason());
            assertEquals(hitsBefore, v.cacheHits(), () -> "cache hit at " + t + " for exp " + expiresAt);
        }
    }
}

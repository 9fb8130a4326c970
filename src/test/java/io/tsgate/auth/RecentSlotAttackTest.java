package io.tsgate.auth;

import static io.tsgate.auth.TestKeys.NOW;
import static io.tsgate.auth.TestKeys.claims;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tsgate.testing.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attacks on {@link JwtVerifier}'s recent-slot table: many tokens sharing a few slots from 8 threads, expiry at the
 * millisecond for a grant answered from a slot, a key rotation and a rules reload between two hits. Safe: every
 * token gets its own grant, never after its exp, never under keys or rules it was not verified with.
 */
class RecentSlotAttackTest {
    @TempDir
    static Path dir;
    static Path hmac;
    static byte[] secret;
    static KeyPairFiles p256;
    static KeyPairFiles p256Other;
    static ExecutorService pool;

    @BeforeAll
    static void setUp() throws Exception {
        hmac = KeyPairFiles.writeHmacSecret(dir.resolve("s.secret"), 64, TestKeys.RANDOM);
        secret = TokenMinter.readHmacSecret(hmac);
        p256 = TestKeys.pair("P-256", dir, "a");
        p256Other = TestKeys.pair("P-256", dir, "b");
        pool = Executors.newFixedThreadPool(8);
    }

    @AfterAll
    static void tearDown() {
        pool.shutdownNow();
    }

    private static JwtSettings hmacSettings(int cacheSize) {
        return new JwtSettings(List.of(), List.of(), List.of(hmac), "", "", Duration.ZERO, false, cacheSize);
    }

    private static String token(String sub, Instant exp) {
        Map<String, Object> c = claims();
        c.put("sub", sub);
        c.put("exp", exp.getEpochSecond());
        return TokenMinter.mint("HS256", null, secret, c);
    }

    private static String reason(JwtVerifier v, String token) {
        return assertThrows(CredentialRejectedException.class, () -> v.verify(token)).reason();
    }

    @Test
    void manyTokensInFewSlotsFromEightThreadsEachGetTheirOwnGrantAndNoneOutlivesItsExp() throws Exception {
        MutableClock clock = new MutableClock(NOW);
        // cache of 4: four recent slots for 300 tokens; a third of them expire after 10 s
        JwtVerifier v = new JwtVerifier(hmacSettings(4), PemKeySource.load(hmacSettings(4)), clock);
        int n = 300;
        String[] tokens = new String[n];
        for (int i = 0; i < n; i++) {
            tokens[i] = token("sub-" + i, i % 3 == 0 ? NOW.plusSeconds(10) : NOW.plusSeconds(3600));
        }
        // also the same token as a substring of a longer header value (verify(text, from, to))
        for (int phase = 0; phase < 2; phase++) {
            boolean late = phase == 1;
            List<Future<Integer>> done = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                long seed = t * 31L + phase;
                done.add(pool.submit(() -> {
                    Random r = new Random(seed);
                    int granted = 0;
                    for (int k = 0; k < 4_000; k++) {
                        // hot tokens most of the time, so slots are both hit and overwritten
                        int i = r.nextInt(4) > 0 ? r.nextInt(12) : r.nextInt(n);
                        boolean expired = late && i % 3 == 0;
                        if (expired) {
                            assertEquals("token_expired", reason(v, tokens[i]));
                            continue;
                        }
                        Access a = r.nextBoolean() ? v.verify(tokens[i])
                                : v.verify("Bearer " + tokens[i] + " x", 7, 7 + tokens[i].length());
                        assertEquals("sub-" + i, a.subject());
                        granted++;
                    }
                    return granted;
                }));
            }
            for (Future<Integer> f : done) {
                assertTrue(f.get(2, TimeUnit.MINUTES) > 0);
            }
            clock.set(NOW.plusSeconds(10)); // exactly the short tokens' exp
        }
        assertTrue(v.cacheHits() > 10_000, "hits " + v.cacheHits());
    }

    @Test
    void aGrantFromTheRecentSlotEndsAtItsExpToTheMillisecond() throws Exception {
        MutableClock clock = new MutableClock(NOW);
        JwtVerifier v = new JwtVerifier(hmacSettings(1), PemKeySource.load(hmacSettings(1)), clock);
        Instant exp = NOW.plusSeconds(60);
        String a = token("a", exp);
        String b = token("b", exp.plusSeconds(60));
        assertEquals("a", v.verify(a).subject());
        assertEquals("a", v.verify(a).subject()); // from the slot
        clock.set(exp.minusMillis(1));
        assertEquals("a", v.verify(a).subject());
        long hits = v.cacheHits();
        for (Instant t : new Instant[] {exp, exp.plusNanos(1), exp.plusMillis(1), exp.plusSeconds(1)}) {
            clock.set(t);
            assertEquals("token_expired", reason(v, a), t::toString);
            assertEquals("b", v.verify(b).subject()); // b takes the one slot, a comes back from the cache
        }
        clock.set(exp.minusNanos(1)); // a clock stepping back: a is valid again; the grant is a's own
        assertEquals("a", v.verify(a).subject());
        clock.set(exp);
        assertEquals("token_expired", reason(v, a));
        assertTrue(v.cacheHits() >= hits);
    }

    @Test
    void keyRotationBetweenTwoHitsIsNotOutlived() throws Exception {
        MutableClock clock = new MutableClock(NOW);
        JwtSettings sa = TestKeys.settings(List.of(p256.publicKeyFile()), List.of());
        JwtSettings sb = TestKeys.settings(List.of(p256Other.publicKeyFile()), List.of());
        KeySet keysA = PemKeySource.load(sa).keySet();
        KeySet keysB = PemKeySource.load(sb).keySet();
        KeySet keysAAgain = PemKeySource.load(sa).keySet();
        assertNotEquals(System.identityHashCode(keysA), System.identityHashCode(keysAAgain));
        AtomicReference<KeySet> current = new AtomicReference<>(keysA);
        JwtVerifier v = new JwtVerifier(sa, current::get, clock);
        String token = TokenMinter.mint("ES256", null, TestKeys.privateKey(p256), claims());
        v.verify(token);
        v.verify(token);
        assertEquals(1, v.cacheHits());
        current.set(keysB); // rotated away between two hits
        assertEquals("bad_signature", reason(v, token));
        assertEquals("bad_signature", reason(v, token));
        assertEquals(1, v.cacheHits());
        current.set(keysAAgain); // a new snapshot with the key: verified again, then hits
        long misses = v.cacheMisses();
        assertEquals("alice", v.verify(token).subject());
        assertEquals(misses + 1, v.cacheMisses());
        assertEquals("alice", v.verify(token).subject());
        assertEquals(2, v.cacheHits());
    }

    @Test
    void rulesReloadBetweenTwoHitsIsNotOutlived() throws Exception {
        MutableClock clock = new MutableClock(NOW);
        AtomicReference<AccessRules> rules = new AtomicReference<>(new AccessRules(List.of(), "first"));
        JwtVerifier v = new JwtVerifier(hmacSettings(8), PemKeySource.load(hmacSettings(8)), clock, false,
                rules::get, false);
        String t = token("x", NOW.plusSeconds(3600));
        v.verify(t);
        v.verify(t);
        assertEquals(1, v.cacheHits());
        long misses = v.cacheMisses();
        rules.set(new AccessRules(List.of(), "second"));
        v.verify(t);
        assertEquals(misses + 1, v.cacheMisses(), "a reload makes the slot's grant stale");
        assertEquals(1, v.cacheHits());
        v.verify(t);
        assertEquals(2, v.cacheHits());
    }
}

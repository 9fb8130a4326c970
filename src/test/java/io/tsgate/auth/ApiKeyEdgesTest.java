package io.tsgate.auth;

import io.tsgate.request.Tenant;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tsgate.request.RequestAttributes;
import io.tsgate.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** API key lookup by the whole hash, what an entry prints, both-credential routing on success, and sync state. */
class ApiKeyEdgesTest {
    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    private static final String KEY = "tsg_edge-key-0123456789abcdefghijklmnopqrstuvw";
    private final MutableClock clock = new MutableClock(NOW);

    private static ApiKeyEntry entry(String name, byte[] hash, Instant expires) {
        return new ApiKeyEntry(name, hash, new Access(new Tenant(7, 3), List.of(), List.of(), Mode.READ, name, name, expires),
                expires);
    }

    private static RequestAttributes request(Map<String, String> headers) {
        return new RequestAttributes("GET", "/api/v1/query", headers, null, true, "");
    }

    /** Entries are bucketed by the hash's first 8 bytes; a hash sharing them but not the rest is no match. */
    @Test
    void aHashSharingOnlyItsPrefixFindsNothing() {
        byte[] hash = ApiKeySet.hash(KEY);
        ApiKeyEntry e = entry("reader", hash, null);
        ApiKeySet set = new ApiKeySet(List.of(e));
        assertSame(e, set.find(hash.clone()));
        for (int i = 8; i < 32; i++) {
            byte[] near = hash.clone();
            near[i] ^= 1;
            assertNull(set.find(near), "byte " + i);
        }
    }

    @Test
    void anEntryPrintsNoHashAndComparesByEveryField() {
        byte[] hash = ApiKeySet.hash(KEY);
        ApiKeyEntry e = entry("reader", hash, NOW);
        assertEquals("ApiKeyEntry[reader tenant=7:3 mode=READ expires=" + NOW + " sha256=****]", e.toString());
        assertEquals("ApiKeyEntry[reader tenant=7:3 mode=READ sha256=****]", entry("reader", hash, null).toString());
        assertEquals(e, entry("reader", hash, NOW));
        assertEquals(e.hashCode(), entry("reader", hash, NOW).hashCode());
        assertNotEquals(e, entry("writer", hash, NOW));
        assertNotEquals(e, entry("reader", ApiKeySet.hash("other"), NOW));
        assertNotEquals(e, entry("reader", hash, null));
        assertNotEquals(e, new ApiKeyEntry("reader", hash, new Access(new Tenant(7, 4), List.of(), List.of(), Mode.READ,
                "reader", "reader", NOW), NOW));
        assertNotEquals(e, "reader");
    }

    @Test
    void eitherCredentialAloneIsAuthenticatedByItsOwnAuthenticator() throws Exception {
        ApiKeySync sync = new ApiKeySync(() -> List.of(entry("reader", ApiKeySet.hash(KEY), null)), "test keys", clock);
        assertNull(sync.sync());
        ApiKeyAuthenticator keys = new ApiKeyAuthenticator("x-api-key", sync, clock);
        Access fromToken = new Access(new Tenant(1, 1), List.of(), List.of(), Mode.FULL, "alice", "k", null);
        Authenticator tokens = new BearerTokenAuthenticator("authorization", t -> fromToken);
        ApiKeyOrTokenAuthenticator both = new ApiKeyOrTokenAuthenticator(keys, tokens);
        assertEquals("reader", both.authenticate(request(Map.of("x-api-key", KEY))).subject());
        assertEquals("reader", both.authenticate(request(Map.of("x-api-key", KEY, "authorization", " "))).subject(),
                "a blank header is no credential");
        assertSame(fromToken, both.authenticate(request(Map.of("authorization", "Bearer t", "x-api-key", ""))));
        assertEquals("authorization", both.credentialHeader());
        ApiKeyOrTokenAuthenticator keysOnly = new ApiKeyOrTokenAuthenticator(keys, null);
        assertEquals("reader", keysOnly.authenticate(request(Map.of("x-api-key", KEY))).subject());
        assertEquals("x-api-key", keysOnly.credentialHeader());
        assertEquals(List.of("x-api-key"), keysOnly.credentialHeaders());
    }

    @Test
    void syncStateSaysWhereFromAndHowOld() {
        boolean[] fail = {false};
        ApiKeySync sync = new ApiKeySync(() -> {
            if (fail[0]) {
                throw new IllegalStateException("gone");
            }
            return List.of();
        }, "Redis hash k", clock);
        assertEquals("Redis hash k", sync.source());
        assertTrue(Double.isNaN(sync.ageSeconds()), "nothing loaded yet");
        assertNull(sync.sync());
        assertTrue(sync.lastSyncOk());
        clock.advance(Duration.ofMillis(90_500));
        assertEquals(90.5, sync.ageSeconds());
        fail[0] = true;
        assertEquals("gone", sync.sync());
        assertFalse(sync.lastSyncOk());
        assertTrue(sync.loaded());
        assertEquals(90.5, sync.ageSeconds(), "the age of the set still in force");
    }
}

package io.tsgate.auth;

import io.tsgate.request.Tenant;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.nimbusds.jose.JWSAlgorithm;
import io.tsgate.request.RequestAttributes;
import io.tsgate.testing.MutableClock;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Bounds of key material: HMAC secret sizes per algorithm, API key length, key ids from file names. */
class KeyBoundsTest {
    /** RFC 7518 3.2: a key at least as long as the hash output; 48 bytes unlock HS384, 64 bytes HS512. */
    @Test
    void hmacSecretsEnableEachAlgorithmFromItsExactSize() {
        assertEquals(Set.of(JWSAlgorithm.HS256), VerificationKey.hmac("k", new byte[32], "s").algorithms());
        assertEquals(Set.of(JWSAlgorithm.HS256), VerificationKey.hmac("k", new byte[47], "s").algorithms());
        assertEquals(Set.of(JWSAlgorithm.HS256, JWSAlgorithm.HS384), VerificationKey.hmac("k", new byte[48], "s").algorithms());
        assertEquals(Set.of(JWSAlgorithm.HS256, JWSAlgorithm.HS384), VerificationKey.hmac("k", new byte[63], "s").algorithms());
        assertEquals(Set.of(JWSAlgorithm.HS256, JWSAlgorithm.HS384, JWSAlgorithm.HS512),
                VerificationKey.hmac("k", new byte[64], "s").algorithms());
        assertThrows(IllegalArgumentException.class, () -> VerificationKey.hmac("k", new byte[31], "s"));
    }

    @Test
    void apiKeysUpTo512CharactersAreLookedUp() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-03-01T12:00:00Z"));
        String longest = "k".repeat(ApiKeyAuthenticator.MAX_KEY_CHARS);
        ApiKeySync sync = new ApiKeySync(() -> List.of(new ApiKeyEntry("long", ApiKeySet.hash(longest),
                new Access(new Tenant(1, 1), List.of(), List.of(), Mode.READ, "long", "long", null), null)), "t", clock);
        sync.sync();
        ApiKeyAuthenticator auth = new ApiKeyAuthenticator("x-api-key", sync, clock);
        assertEquals("long", auth.authenticate(new RequestAttributes("GET", "/", Map.of("x-api-key", longest), null, true,
                "")).subject());
        assertEquals("malformed_api_key", assertThrows(CredentialRejectedException.class, () -> auth.authenticate(
                new RequestAttributes("GET", "/", Map.of("x-api-key", longest + "k"), null, true, ""))).reason());
    }

    @Test
    void aKeyIdIsTheFileNameWithoutItsLastExtension() {
        assertEquals("idp-1", PemKeySource.kidOf(Path.of("/keys/idp-1.pem")));
        assertEquals("idp.v2", PemKeySource.kidOf(Path.of("/keys/idp.v2.pem")));
        assertEquals("plain", PemKeySource.kidOf(Path.of("/keys/plain")));
        assertEquals(".hidden", PemKeySource.kidOf(Path.of("/keys/.hidden")), "a leading dot starts no extension");
    }

    @Test
    void tenantIdsAreUnsigned32Bit() {
        assertEquals(Tenant.MAX_ID, new Tenant(Tenant.MAX_ID, Tenant.MAX_ID).accountId());
        assertEquals(0, new Tenant(0, 0).projectId());
        assertThrows(IllegalArgumentException.class, () -> new Tenant(Tenant.MAX_ID + 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new Tenant(0, Tenant.MAX_ID + 1));
        assertThrows(IllegalArgumentException.class, () -> new Tenant(-1, 0));
        assertThrows(IllegalArgumentException.class, () -> new Tenant(0, -1));
    }
}

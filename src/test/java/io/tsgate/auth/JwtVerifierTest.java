package io.tsgate.auth;

import io.tsgate.request.Tenant;
import io.tsgate.testing.MutableClock;
import static io.tsgate.auth.TestKeys.NOW;
import static io.tsgate.auth.TestKeys.claims;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.util.Base64URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class JwtVerifierTest {
    @TempDir
    static Path dir;
    static KeyPairFiles rsa;
    static KeyPairFiles rsaOther;
    static KeyPairFiles p256;
    static KeyPairFiles p384;
    static KeyPairFiles p521;
    static KeyPairFiles ed25519;
    static Path hmac;

    @BeforeAll
    static void keys() throws Exception {
        rsa = TestKeys.pair("RSA", dir, "rsa");
        rsaOther = TestKeys.pair("RSA", dir, "rsa-other");
        p256 = TestKeys.pair("P-256", dir, "p256");
        p384 = TestKeys.pair("P-384", dir, "p384");
        p521 = TestKeys.pair("P-521", dir, "p521");
        ed25519 = TestKeys.pair("Ed25519", dir, "ed");
        hmac = KeyPairFiles.writeHmacSecret(dir.resolve("shared.secret"), 64, TestKeys.RANDOM);
    }

    private final MutableClock clock = new MutableClock(NOW);

    private JwtVerifier verifier(JwtSettings s) {
        return new JwtVerifier(s, PemKeySource.load(s), clock);
    }

    private JwtVerifier allKeys() {
        return verifier(TestKeys.settings(List.of(rsa.publicKeyFile(), rsaOther.publicKeyFile(),
                p256.publicKeyFile(), p384.publicKeyFile(), p521.publicKeyFile(), ed25519.publicKeyFile()),
                List.of(hmac)));
    }

    private static String reason(JwtVerifier v, String token) {
        return assertThrows(CredentialRejectedException.class, () -> v.verify(token)).reason();
    }

    private static KeyPairFiles byName(String name) {
        return switch (name) {
            case "rsa" -> rsa;
            case "p256" -> p256;
            case "p384" -> p384;
            case "p521" -> p521;
            default -> ed25519;
        };
    }

    @ParameterizedTest(name = "{0} token from key file {1} is accepted")
    @CsvSource({"RS256,rsa", "RS384,rsa", "RS512,rsa", "PS256,rsa", "PS384,rsa", "PS512,rsa",
            "ES256,p256", "ES384,p384", "ES512,p521", "EdDSA,ed"})
    void everyAsymmetricAlgorithmIsAccepted(String alg, String key) throws Exception {
        String token = TokenMinter.mint(alg, key, TestKeys.privateKey(byName(key)), claims());
        Access a = allKeys().verify(token);
        assertEquals(new Tenant(1, 5), a.tenant());
        assertEquals(Mode.READ, a.mode());
        assertEquals("alice", a.subject());
        assertEquals(key, a.keyId());
        assertEquals(NOW.plus(Duration.ofHours(1)), a.expiresAt());
    }

    @ParameterizedTest(name = "{0} token from an HMAC secret file is accepted")
    @CsvSource({"HS256", "HS384", "HS512"})
    void everyHmacAlgorithmIsAccepted(String alg) throws Exception {
        String token = TokenMinter.mint(alg, null, TokenMinter.readHmacSecret(hmac), claims());
        assertEquals("shared", allKeys().verify(token).keyId());
    }

    @Test
    void hs512IsRefusedForASecretTooShortForIt() throws Exception {
        Path short32 = dir.resolve("short.secret");
        Files.writeString(short32, "0123456789abcdef0123456789abcdef");
        JwtVerifier v = verifier(TestKeys.settings(List.of(), List.of(short32)));
        byte[] secret = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef".getBytes();
        // signed with a different, long enough secret: only the alg matters for this rejection
        assertEquals("unsupported_alg", reason(v, TokenMinter.mint("HS512", null, secret, claims())));
        v.verify(TokenMinter.mint("HS256", null, Files.readAllBytes(short32), claims()));
    }

    @Test
    void ecdsaAlgorithmMustMatchTheKeyCurve() throws Exception {
        JwtVerifier v = verifier(TestKeys.settings(List.of(p384.publicKeyFile()), List.of()));
        // an ES256 header on a P-384 key is never tried
        String token = TokenMinter.mint("ES256", null, TestKeys.privateKey(p256), claims());
        assertEquals("unsupported_alg", reason(v, token));
    }

    @Test
    void kidSelectsTheKeyFileOfThatName() throws Exception {
        JwtVerifier v = allKeys();
        assertEquals("rsa-other", v.verify(TokenMinter.mint("RS256", "rsa-other", TestKeys.privateKey(rsaOther),
                claims())).keyId());
        // the right key exists, but the kid points at another one: only that one is tried
        assertEquals("bad_signature", reason(v, TokenMinter.mint("RS256", "rsa", TestKeys.privateKey(rsaOther),
                claims())));
        assertEquals("unknown_kid", reason(v, TokenMinter.mint("RS256", "nope", TestKeys.privateKey(rsa),
                claims())));
    }

    @Test
    void tokenWithoutKidIsTriedAgainstEveryKeyOfItsType() throws Exception {
        String token = TokenMinter.mint("RS256", null, TestKeys.privateKey(rsaOther), claims());
        assertEquals("rsa-other", allKeys().verify(token).keyId());
    }

    @Test
    void inlinePublicKeyHasNoKidAndMatchesAnyKid() throws Exception {
        JwtSettings s = new JwtSettings(List.of(Files.readString(rsa.publicKeyFile())), List.of(), List.of(),
                "", "", Duration.ZERO, false, 10);
        JwtVerifier v = verifier(s);
        assertEquals("-auth.publicKeys[0]",
                v.verify(TokenMinter.mint("RS256", "idp-key-7", TestKeys.privateKey(rsa), claims())).keyId());
    }

    @Test
    void algNoneIsRejected() {
        String header = Base64URL.encode("{\"alg\":\"none\",\"typ\":\"JWT\"}").toString();
        String payload = Base64URL.encode("{\"exp\":" + NOW.plusSeconds(60).getEpochSecond()
                + ",\"vm_access\":{\"tenant_id\":{}}}").toString();
        assertEquals("alg_none", reason(allKeys(), header + "." + payload + "."));
        String capitalized = Base64URL.encode("{\"alg\":\"None\"}").toString();
        assertEquals("alg_none", reason(allKeys(), capitalized + "." + payload + ".c2ln"));
    }

    @Test
    void algNoneIsRejectedEvenWithSignatureVerificationSkipped() {
        JwtSettings s = new JwtSettings(List.of(), List.of(), List.of(), "", "", Duration.ZERO, true, 10);
        JwtVerifier v = new JwtVerifier(s, () -> KeySet.EMPTY, clock);
        String header = Base64URL.encode("{\"alg\":\"none\"}").toString();
        String payload = Base64URL.encode("{\"exp\":" + NOW.plusSeconds(60).getEpochSecond()
                + ",\"vm_access\":{\"tenant_id\":{}}}").toString();
        assertEquals("alg_none", reason(v, header + "." + payload + "."));
    }

    @Test
    void skippedSignatureStillChecksClaims() throws Exception {
        JwtSettings s = new JwtSettings(List.of(), List.of(), List.of(), "", "", Duration.ZERO, true, 10);
        JwtVerifier v = new JwtVerifier(s, () -> KeySet.EMPTY, clock);
        Access a = v.verify(TokenMinter.mint("RS256", "whatever", TestKeys.privateKey(rsa), claims()));
        assertEquals(new Tenant(1, 5), a.tenant());
        Map<String, Object> expired = claims();
        expired.put("exp", NOW.minusSeconds(1).getEpochSecond());
        assertEquals("token_expired", reason(v, TokenMinter.mint("RS256", null, TestKeys.privateKey(rsa), expired)));
    }

    @Test
    void hmacTokenKeyedWithTheRsaPublicKeyIsRejected() throws Exception {
        byte[] pemBytes = Files.readAllBytes(rsa.publicKeyFile());
        String forged = TokenMinter.mint("HS256", "rsa", pemBytes, claims());
        JwtVerifier rsaOnly = verifier(TestKeys.settings(List.of(rsa.publicKeyFile()), List.of()));
        assertEquals("unsupported_alg", reason(rsaOnly, forged));
        String forgedNoKid = TokenMinter.mint("HS256", null, pemBytes, claims());
        assertEquals("bad_signature", reason(allKeys(), forgedNoKid));
    }

    @Test
    void unknownCritHeaderIsRejected() throws Exception {
        JWSHeader header = new JWSHeader.Builder(JWSAlgorithm.RS256).type(JOSEObjectType.JWT)
                .customParam("tsgate-test", "x").criticalParams(Set.of("tsgate-test")).build();
        JWSObject jws = new JWSObject(header, new Payload(new com.fasterxml.jackson.databind.ObjectMapper()
                .writeValueAsString(claims())));
        jws.sign(new RSASSASigner(TestKeys.privateKey(rsa)));
        assertEquals("crit_header", reason(allKeys(), jws.serialize()));
    }

    @Test
    void tamperedSignatureOrPayloadIsRejected() throws Exception {
        String token = TokenMinter.mint("ES256", null, TestKeys.privateKey(p256), claims());
        int sig = token.lastIndexOf('.') + 10;
        String badSig = token.substring(0, sig) + (token.charAt(sig) == 'A' ? 'B' : 'A') + token.substring(sig + 1);
        assertEquals("bad_signature", reason(allKeys(), badSig));

        Map<String, Object> more = claims();
        more.put("vm_access", Map.of("tenant_id", Map.of("account_id", 2)));
        String otherPayload = TokenMinter.mint("ES256", null, TestKeys.privateKey(p256), more).split("\\.")[1];
        String[] parts = token.split("\\.");
        assertEquals("bad_signature", reason(allKeys(), parts[0] + "." + otherPayload + "." + parts[2]));
    }

    /**
     * One token has one spelling: characters outside base64url, padding, standard-alphabet {@code +}/{@code /} and
     * a last character with non-zero unused bits are refused in every segment, before the cache or any key is
     * consulted (the old decoder skipped such characters, so the altered signature still verified).
     */
    @ParameterizedTest(name = "{0} altered with {1} is malformed")
    @CsvSource(delimiter = '|', value = {
        "signature | append:!!", "signature | append:=", "signature | append:==", "signature | append:%",
        "signature | append:~", "signature | append:+", "signature | append:/", "signature | insert:+",
        "signature | insert:/", "signature | trailing-bit", "signature | append:.", "signature | append:%20",
        "header | append:!!", "header | append:=", "header | insert:~", "header | insert:+", "header | trailing-bit",
        "payload | append:!!", "payload | append:=", "payload | insert:%", "payload | insert:/", "payload | trailing-bit"})
    void nonCanonicalBase64UrlSpellingsAreRefusedBeforeTheCache(String segment, String change) throws Exception {
        JwtVerifier v = allKeys();
        String token = tokenWithUnusedBitsInEverySegment();
        assertEquals(new Tenant(1, 5), v.verify(token).tenant(), "the canonical spelling verifies");
        long misses = v.cacheMisses();
        long hits = v.cacheHits();
        String altered = alter(token, List.of("header", "payload", "signature").indexOf(segment), change);
        assertEquals("malformed_token", reason(v, altered), altered);
        assertEquals(misses, v.cacheMisses(), "refused before the cache lookup");
        assertEquals(hits, v.cacheHits());
        assertEquals(new Tenant(1, 5), v.verify(token).tenant(), "the valid token still verifies");
    }

    /** An ES256 token whose three segments all end in a partial group, so each has unused trailing bits. */
    private static String tokenWithUnusedBitsInEverySegment() throws Exception {
        for (int n = 0; n < 8; n++) {
            Map<String, Object> c = claims();
            c.put("sub", "alice" + "x".repeat(n));
            String token = TokenMinter.mint("ES256", "p256", TestKeys.privateKey(p256), c);
            if (java.util.Arrays.stream(token.split("\\.")).allMatch(s -> s.length() % 4 != 0)) {
                return token;
            }
        }
        throw new AssertionError("no claim length gave partial groups in every segment");
    }

    private static String alter(String token, int segment, String change) {
        String[] parts = token.split("\\.");
        String s = parts[segment];
        if (change.startsWith("append:")) {
            s = s + change.substring(7);
        } else if (change.startsWith("insert:")) {
            s = s.substring(0, 4) + change.substring(7) + s.substring(4);
        } else {
            // the last character with one unused low bit set: decodes to the same bytes in a lenient decoder
            String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
            int last = alphabet.indexOf(s.charAt(s.length() - 1));
            assertEquals(0, last & 1, "canonical last character has zero unused bits");
            s = s.substring(0, s.length() - 1) + alphabet.charAt(last | 1);
        }
        parts[segment] = s;
        return String.join(".", parts);
    }

    @Test
    void malformedTokensAreRejected() {
        JwtVerifier v = allKeys();
        assertEquals("malformed_token", reason(v, ""));
        assertEquals("malformed_token", reason(v, "not-a-jwt"));
        assertEquals("malformed_token", reason(v, "a.b.c.d.e"));
        assertEquals("malformed_token", reason(v, "%%%.e30.c2ln"));
        assertEquals("malformed_token", reason(v, "x".repeat(JwtVerifier.MAX_TOKEN_CHARS + 1)));
        String jweHeader = Base64URL.encode("{\"alg\":\"dir\",\"enc\":\"A256GCM\"}").toString();
        assertEquals("malformed_token", reason(v, jweHeader + ".e30.c2ln"));
    }

    @Test
    void unsupportedAlgorithmIsRejected() throws Exception {
        String header = Base64URL.encode("{\"alg\":\"ES256K\"}").toString();
        assertEquals("unsupported_alg", reason(allKeys(), header + ".e30.c2ln"));
    }

    @Test
    void expiredTokenIsRejectedAndSkewHonoured() throws Exception {
        Map<String, Object> c = claims();
        c.put("exp", NOW.minusSeconds(10).getEpochSecond());
        String token = TokenMinter.mint("EdDSA", null, TestKeys.privateKey(ed25519), c);
        assertEquals("token_expired", reason(allKeys(), token));
        JwtSettings skewed = TestKeys.withIssuerAudience(TestKeys.settings(List.of(ed25519.publicKeyFile()),
                List.of()), "", "", Duration.ofSeconds(30));
        assertEquals(new Tenant(1, 5), verifier(skewed).verify(token).tenant());
    }

    @Test
    void notYetValidTokensAreRejectedUnlessWithinSkew() throws Exception {
        Map<String, Object> nbf = claims();
        nbf.put("nbf", NOW.plusSeconds(20).getEpochSecond());
        Map<String, Object> iat = claims();
        iat.put("iat", NOW.plusSeconds(20).getEpochSecond());
        String nbfToken = TokenMinter.mint("EdDSA", null, TestKeys.privateKey(ed25519), nbf);
        String iatToken = TokenMinter.mint("EdDSA", null, TestKeys.privateKey(ed25519), iat);
        assertEquals("token_not_yet_valid", reason(allKeys(), nbfToken));
        assertEquals("token_not_yet_valid", reason(allKeys(), iatToken));
        JwtSettings skewed = TestKeys.withIssuerAudience(TestKeys.settings(List.of(ed25519.publicKeyFile()),
                List.of()), "", "", Duration.ofSeconds(30));
        verifier(skewed).verify(nbfToken);
        verifier(skewed).verify(iatToken);
    }

    @Test
    void issuerAndAudienceAreRequiredWhenConfigured() throws Exception {
        JwtVerifier v = verifier(TestKeys.withIssuerAudience(TestKeys.settings(List.of(p256.publicKeyFile()),
                List.of()), "https://idp", "tsgate", Duration.ZERO));
        Map<String, Object> c = claims();
        assertEquals("bad_issuer", reason(v, TokenMinter.mint("ES256", null, TestKeys.privateKey(p256), c)));
        c.put("iss", "https://idp");
        assertEquals("bad_audience", reason(v, TokenMinter.mint("ES256", null, TestKeys.privateKey(p256), c)));
        c.put("aud", "other");
        assertEquals("bad_audience", reason(v, TokenMinter.mint("ES256", null, TestKeys.privateKey(p256), c)));
        c.put("aud", "tsgate");
        v.verify(TokenMinter.mint("ES256", null, TestKeys.privateKey(p256), c));
        c.put("aud", List.of("other", "tsgate"));
        v.verify(TokenMinter.mint("ES256", null, TestKeys.privateKey(p256), c));
        c.put("iss", "https://evil");
        assertEquals("bad_issuer", reason(v, TokenMinter.mint("ES256", null, TestKeys.privateKey(p256), c)));
    }

    @Test
    void secondVerifyIsACacheHit() throws Exception {
        JwtVerifier v = allKeys();
        String token = TokenMinter.mint("ES256", null, TestKeys.privateKey(p256), claims());
        Access first = v.verify(token);
        Access second = v.verify(token);
        assertEquals(first, second);
        assertEquals(1, v.cacheHits());
        assertEquals(1, v.cacheMisses());
    }

    @Test
    void tokenInsideItsHeaderHitsTheCacheEntryOfTheSameToken() throws Exception {
        JwtVerifier v = allKeys();
        String token = TokenMinter.mint("ES256", null, TestKeys.privateKey(p256), claims());
        Access first = v.verify(token);
        String header = "Bearer " + token + "  ";
        assertTrue(first == v.verify(header, 7, 7 + token.length()), "the cached grant itself");
        assertEquals(1, v.cacheHits());
        assertEquals(1, v.cacheMisses());
        // one character less or more is another token: it misses and is refused on its own merits
        assertEquals("malformed_token", reason(v, token.substring(0, token.length() - 1) + "!"));
        assertThrows(CredentialRejectedException.class, () -> v.verify(header, 7, 6 + token.length()));
        assertThrows(CredentialRejectedException.class, () -> v.verify(header, 6, 7 + token.length()));
        assertEquals(1, v.cacheHits());
    }

    @Test
    void regionOfATokenNotYetCachedIsVerifiedAndCachedLikeTheWholeString() throws Exception {
        JwtVerifier v = allKeys();
        String token = TokenMinter.mint("ES256", null, TestKeys.privateKey(p256), claims());
        Access viaRegion = v.verify("Bearer " + token, 7, 7 + token.length());
        assertEquals(1, v.cacheMisses());
        assertTrue(viaRegion == v.verify(token));
        assertEquals(1, v.cacheHits());
        assertEquals("malformed_token", assertThrows(CredentialRejectedException.class,
                () -> v.verify("Bearer x", 7, 7)).reason());
    }

    @Test
    void cachedTokenIsRejectedOnceTheClockPassesExpiry() throws Exception {
        JwtVerifier v = allKeys();
        String token = TokenMinter.mint("ES256", null, TestKeys.privateKey(p256), claims());
        v.verify(token);
        clock.advance(Duration.ofMinutes(59));
        v.verify(token);
        assertEquals(1, v.cacheHits());
        clock.advance(Duration.ofMinutes(1));
        assertEquals("token_expired", reason(v, token));
    }

    @Test
    void tokensSharingTheRecentSlotEachGetTheirOwnGrant() throws Exception {
        // a cache of one: one recent slot, so every other token evicts the last from it (and from the cache)
        JwtSettings s = new JwtSettings(List.of(), List.of(p256.publicKeyFile()), List.of(), "", "",
                Duration.ZERO, false, 1);
        JwtVerifier v = verifier(s);
        Map<String, Object> a = claims();
        a.put("sub", "alice");
        Map<String, Object> b = claims();
        b.put("sub", "bob");
        b.put("exp", NOW.plusSeconds(60).getEpochSecond());
        String ta = TokenMinter.mint("ES256", null, TestKeys.privateKey(p256), a);
        String tb = TokenMinter.mint("ES256", null, TestKeys.privateKey(p256), b);
        for (int i = 0; i < 3; i++) {
            assertEquals("alice", v.verify(ta).subject());
            assertEquals("alice", v.verify(ta).subject());
            assertEquals("bob", v.verify(tb).subject());
            assertEquals("bob", v.verify(tb).subject());
        }
        assertEquals(6, v.cacheHits(), "the repeat right after each token is answered from the recent slot");
        // a grant answered from the recent slot still ends at its token's expiry
        clock.advance(Duration.ofSeconds(60));
        assertEquals("token_expired", reason(v, tb));
        assertEquals("alice", v.verify(ta).subject());
    }

    @Test
    void disabledCacheVerifiesEveryTime() throws Exception {
        JwtSettings s = new JwtSettings(List.of(), List.of(p256.publicKeyFile()), List.of(), "", "",
                Duration.ZERO, false, 0);
        JwtVerifier v = verifier(s);
        String token = TokenMinter.mint("ES256", null, TestKeys.privateKey(p256), claims());
        v.verify(token);
        v.verify(token);
        assertEquals(0, v.cacheHits());
        assertEquals(0, v.cachedTokens());
    }

    @Test
    void keyRotationInvalidatesCachedTokens() throws Exception {
        Path file = dir.resolve("rotating.pem");
        Files.copy(p256.publicKeyFile(), file);
        JwtSettings s = TestKeys.settings(List.of(file), List.of());
        PemKeySource keys = PemKeySource.load(s);
        JwtVerifier v = new JwtVerifier(s, keys, clock);
        String oldToken = TokenMinter.mint("ES256", "rotating", TestKeys.privateKey(p256), claims());
        v.verify(oldToken);

        KeyPairFiles next = TestKeys.pair("P-256", dir.resolve("next"), "next");
        Files.writeString(file, Files.readString(next.publicKeyFile()), StandardCharsets.US_ASCII);
        Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.from(NOW));
        assertTrue(keys.refresh());

        assertEquals("bad_signature", reason(v, oldToken));
        v.verify(TokenMinter.mint("ES256", "rotating", TestKeys.privateKey(next), claims()));
        assertFalse(keys.refresh());
    }

    @Test
    void hmacVerifierNeverSeesPublicKeyBytes() throws Exception {
        // the confusion attack with an attacker-chosen kid of an HMAC file must fail on signature, not pass
        String forged = TokenMinter.mint("HS256", "shared", Files.readAllBytes(rsa.publicKeyFile()), claims());
        assertEquals("bad_signature", reason(allKeys(), forged));
        assertTrue(new MACSigner(TokenMinter.readHmacSecret(hmac)).supportedJWSAlgorithms().contains(JWSAlgorithm.HS512));
    }

    @Test
    void rejectionMessagesNeverContainTheToken() throws Exception {
        JwtVerifier v = allKeys();
        Map<String, Object> c = claims();
        c.put("exp", NOW.minusSeconds(5).getEpochSecond());
        String expired = TokenMinter.mint("RS256", "rsa", TestKeys.privateKey(rsa), c);
        String wrongKid = TokenMinter.mint("RS256", "zz", TestKeys.privateKey(rsa), claims());
        for (String token : List.of(expired, wrongKid, "abc.def.ghi", expired.substring(0, expired.length() - 4))) {
            CredentialRejectedException e = assertThrows(CredentialRejectedException.class, () -> v.verify(token));
            String[] parts = token.split("\\.");
            for (String part : parts) {
                assertFalse(e.getMessage().contains(part), e.getMessage());
            }
        }
    }

    @Test
    void concurrentVerificationsAgree() throws Exception {
        JwtVerifier v = allKeys();
        List<String> tokens = List.of(
                TokenMinter.mint("ES256", null, TestKeys.privateKey(p256), claims()),
                TokenMinter.mint("EdDSA", null, TestKeys.privateKey(ed25519), claims()),
                TokenMinter.mint("PS384", null, TestKeys.privateKey(rsa), claims()),
                TokenMinter.mint("HS512", null, TokenMinter.readHmacSecret(hmac), claims()));
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        try {
            List<java.util.concurrent.Future<Access>> results = new java.util.ArrayList<>();
            for (int i = 0; i < 400; i++) {
                String t = tokens.get(i % tokens.size());
                results.add(pool.submit(() -> v.verify(t)));
            }
            for (java.util.concurrent.Future<Access> f : results) {
                assertEquals(new Tenant(1, 5), f.get().tenant());
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(400, v.cacheHits() + v.cacheMisses());
        assertEquals(4, v.cachedTokens());
    }
}

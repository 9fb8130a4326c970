package io.tsgate.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.tsgate.testing.MutableClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Keys verify only tokens of their source's issuer; per-source audience overrides the global one. */
class IssuerBindingTest {
    @TempDir
    static Path dir;
    static Path keyA;
    static Path keyB;
    static PrivateKey privA;
    static PrivateKey privB;
    static Path secret;
    private final MutableClock clock = new MutableClock(TestKeys.NOW);

    @BeforeAll
    static void keys() throws Exception {
        // the same file name in two directories: both keys carry kid "k"
        Files.createDirectories(dir.resolve("a"));
        Files.createDirectories(dir.resolve("b"));
        KeyPairFiles a = TestKeys.pair("RSA", dir.resolve("a"), "k");
        KeyPairFiles b = TestKeys.pair("RSA", dir.resolve("b"), "k");
        keyA = a.publicKeyFile();
        keyB = b.publicKeyFile();
        privA = TestKeys.privateKey(a);
        privB = TestKeys.privateKey(b);
        secret = KeyPairFiles.writeHmacSecret(dir.resolve("c.secret"), 64, TestKeys.RANDOM);
    }

    private JwtVerifier verifier(String globalIss, String globalAud, Map<Path, SourceBinding> bindings,
                                 List<Path> hmac) {
        JwtSettings s = new JwtSettings(List.of(), List.of(keyA, keyB), hmac, globalIss, globalAud,
                java.time.Duration.ZERO, false, 100, bindings);
        return new JwtVerifier(s, PemKeySource.load(s), clock);
    }

    private static Map<String, Object> claims(Object... kv) {
        Map<String, Object> c = new HashMap<>(TestKeys.claims());
        for (int i = 0; i < kv.length; i += 2) {
            c.put((String) kv[i], kv[i + 1]);
        }
        return c;
    }

    private static String reason(JwtVerifier v, String token) {
        return assertThrows(CredentialRejectedException.class, () -> v.verify(token)).reason();
    }

    private JwtVerifier boundAB() {
        return verifier("", "", Map.of(keyA, new SourceBinding("https://a", "app"),
                keyB, new SourceBinding("https://b", "")), List.of());
    }

    @Test
    void aKeyOfIssuerAVerifiesOnlyTokensNamingA() throws Exception {
        JwtVerifier v = boundAB();
        assertEquals("alice", v.verify(TokenMinter.mint("RS256", "k", privA, claims("iss", "https://a", "aud", "app")))
                .subject());
        v.verify(TokenMinter.mint("RS256", "k", privB, claims("iss", "https://b")));
        assertEquals("bad_signature", reason(v, TokenMinter.mint("RS256", "k", privA, claims("iss", "https://b"))),
                "A's key, same kid as B's, claiming B: only B's key is tried");
        assertEquals("bad_issuer", reason(v, TokenMinter.mint("RS256", "k", privA, claims("iss", "https://c"))));
        assertEquals("bad_issuer", reason(v, TokenMinter.mint("RS256", "k", privA, claims())), "no iss");
        assertEquals("bad_issuer", reason(v, TokenMinter.mint("RS256", "k", privA,
                claims("iss", List.of("https://a"), "aud", "app"))), "iss must be a string");
    }

    @Test
    void aSourceAudienceIsRequiredOfItsTokensOnly() throws Exception {
        JwtVerifier v = boundAB();
        assertEquals("bad_audience", reason(v, TokenMinter.mint("RS256", "k", privA, claims("iss", "https://a"))));
        assertEquals("bad_audience", reason(v, TokenMinter.mint("RS256", "k", privA,
                claims("iss", "https://a", "aud", "other"))));
        v.verify(TokenMinter.mint("RS256", "k", privB, claims("iss", "https://b", "aud", "other")));
    }

    @Test
    void aSourceSettingOverridesTheGlobalOne() throws Exception {
        JwtVerifier v = verifier("https://global", "g", Map.of(keyA, new SourceBinding("https://a", "")), List.of());
        assertEquals("bad_audience", reason(v, TokenMinter.mint("RS256", "k", privA, claims("iss", "https://a"))),
                "A names no audience of its own: the global one applies");
        v.verify(TokenMinter.mint("RS256", "k", privA, claims("iss", "https://a", "aud", "g")));
        v.verify(TokenMinter.mint("RS256", "k", privB, claims("iss", "https://global", "aud", "g")));
        assertEquals("bad_signature", reason(v, TokenMinter.mint("RS256", "k", privB,
                claims("iss", "https://a", "aud", "g"))));
    }

    @Test
    void anHmacKeyOfAnotherSourceCannotStandInForAnIssuersRsaKeys() throws Exception {
        JwtVerifier v = verifier("", "", Map.of(keyA, new SourceBinding("https://a", ""),
                keyB, new SourceBinding("https://b", ""), secret, new SourceBinding("https://c", "")), List.of(secret));
        byte[] s = TokenMinter.readHmacSecret(secret);
        v.verify(TokenMinter.mint("HS256", null, s, claims("iss", "https://c")));
        assertEquals("bad_issuer", reason(v, TokenMinter.mint("HS256", null, s, claims("iss", "https://a"))),
                "HS256 naming A: A has no HMAC key, C's secret is not tried");
        assertEquals("unknown_kid", reason(v, TokenMinter.mint("HS256", "k", s, claims("iss", "https://a"))));
    }

    @Test
    void keysNamingNoIssuerTakeTokensWithoutIssOnlyWhenNoIssuerIsConfigured() throws Exception {
        JwtVerifier none = verifier("", "", Map.of(), List.of(secret));
        byte[] s = TokenMinter.readHmacSecret(secret);
        none.verify(TokenMinter.mint("HS256", null, s, claims()));
        none.verify(TokenMinter.mint("HS256", null, s, claims("iss", "anything")));
        JwtVerifier mixed = verifier("", "", Map.of(keyA, new SourceBinding("https://a", "")), List.of(secret));
        assertEquals("bad_issuer", reason(mixed, TokenMinter.mint("HS256", null, s, claims())));
        assertEquals("bad_issuer", reason(mixed, TokenMinter.mint("HS256", null, s, claims("iss", "https://a"))),
                "the unbound secret may not mint A's tokens");
        mixed.verify(TokenMinter.mint("HS256", null, s, claims("iss", "https://internal")));
        assertEquals("bad_signature", reason(mixed, TokenMinter.mint("RS256", "k", privB, claims("iss", "https://a"))),
                "B's file names no issuer: a token naming A is checked by A's key only");
    }

    @Test
    void anIssuerTemplateIsFilledFromTid() throws Exception {
        String tid = "72f988bf-86f1-41af-91ab-2d7cd011db47";
        JwtVerifier v = verifier("", "", Map.of(keyA, new SourceBinding("https://login.example/{tenantid}/v2.0", "app")),
                List.of());
        v.verify(TokenMinter.mint("RS256", "k", privA, claims("iss", "https://login.example/" + tid + "/v2.0",
                "tid", tid, "aud", "app")));
        // B's key names no issuer and is the only one left to try for an iss the template does not give: the
        // signature (A's) fails on it
        assertEquals("bad_signature", reason(v, TokenMinter.mint("RS256", "k", privA,
                claims("iss", "https://login.example/" + tid + "/v2.0", "tid", "other", "aud", "app"))));
        assertEquals("bad_signature", reason(v, TokenMinter.mint("RS256", "k", privA,
                claims("iss", "https://login.example/a/b/v2.0", "tid", "a/b", "aud", "app"))),
                "a tid holding a slash cannot stretch the template");
        assertEquals("bad_signature", reason(v, TokenMinter.mint("RS256", "k", privA,
                claims("iss", "https://login.example/5/v2.0", "tid", 5, "aud", "app"))));
        JwtVerifier only = new JwtVerifier(new JwtSettings(List.of(), List.of(keyA), List.of(), "", "",
                java.time.Duration.ZERO, false, 100, Map.of(keyA, new SourceBinding("https://login.example/{tenantid}/v2.0",
                "app"))), PemKeySource.load(new JwtSettings(List.of(), List.of(keyA), List.of(), "", "",
                java.time.Duration.ZERO, false, 100, Map.of(keyA, new SourceBinding("https://login.example/{tenantid}/v2.0",
                "app")))), clock);
        assertEquals("bad_issuer", reason(only, TokenMinter.mint("RS256", "k", privA,
                claims("iss", "https://login.example/a/b/v2.0", "tid", "a/b", "aud", "app"))));
    }
}

package io.tsgate.auth;

import io.tsgate.testing.MutableClock;
import static io.tsgate.auth.TestKeys.NOW;
import static io.tsgate.auth.TestKeys.claims;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.List;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PemKeySourceTest {
    /** Self-signed P-256 certificate and its key, generated for this test with openssl. */
    private static final String CERT = """
            -----BEGIN CERTIFICATE-----
            MIIBgzCCASmgAwIBAgIUNkNm1IKWiSMxG7ryGywjdcx/TKUwCgYIKoZIzj0EAwIw
            FjEUMBIGA1UEAwwLdHNnYXRlLXRlc3QwIBcNMjYxMTIzMDA0NDEzWhgPMjEyNjEw
            MzAwMDQ0MTNaMBYxFDASBgNVBAMMC3RzZ2F0ZS10ZXN0MFkwEwYHKoZIzj0CAQYI
            KoZIzj0DAQcDQgAEIpFaawfJUAMi/1z84qFCaB4W2TixDiMUSvDrU24XSO07Zn7G
            NkkAkvVT1xRePwM8Psa2Y3tyUiEmLZ8SndyKqqNTMFEwHQYDVR0OBBYEFAS4Ao36
            Z/FaSjlw05fTzgSnKcxzMB8GA1UdIwQYMBaAFAS4Ao36Z/FaSjlw05fTzgSnKcxz
            MA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSAAwRQIhAIiXXTvhtyRmlNz/
            YihyN16CIL7BN6A0bBSXT8WCJB/VAiBgnwRXr2YxQDhqRRh7ZDFfHwfBdoMS9X1y
            moFnU2La+w==
            -----END CERTIFICATE-----
            """;
    private static final String CERT_KEY = """
            -----BEGIN PRIVATE KEY-----
            MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgO5h42VOiSTg3CIhL
            3XAzNpc9FhhCH21523TE2vJtLyGhRANCAAQikVprB8lQAyL/XPzioUJoHhbZOLEO
            IxRK8OtTbhdI7TtmfsY2SQCS9VPXFF4/Azw+xrZje3JSISYtnxKd3Iqq
            -----END PRIVATE KEY-----
            """;

    /** {@link #CERT_KEY} in SEC1 form. */
    private static final String CERT_KEY_SEC1 = """
            -----BEGIN EC PRIVATE KEY-----
            MHcCAQEEIDuYeNlTokk4NwiIS91wMzaXPRYYQh9tedt0xNrybS8hoAoGCCqGSM49
            AwEHoUQDQgAEIpFaawfJUAMi/1z84qFCaB4W2TixDiMUSvDrU24XSO07Zn7GNkkA
            kvVT1xRePwM8Psa2Y3tyUiEmLZ8SndyKqg==
            -----END EC PRIVATE KEY-----
            """;

    @TempDir
    Path dir;
    private final MutableClock clock = new MutableClock(NOW);

    private JwtVerifier verifier(JwtSettings s, PemKeySource keys) {
        return new JwtVerifier(s, keys, clock);
    }

    private static String startupError(JwtSettings s) {
        return assertThrows(IllegalArgumentException.class, () -> PemKeySource.load(s)).getMessage();
    }

    private void touch(Path file, int secondsLater) throws Exception {
        Files.setLastModifiedTime(file, FileTime.from(NOW.plusSeconds(secondsLater)));
    }

    @Test
    void fileWithSeveralPemBlocksLoadsEachUnderTheFileNameAsKid() throws Exception {
        KeyPairFiles a = TestKeys.pair("P-256", dir, "a");
        KeyPairFiles b = TestKeys.pair("Ed25519", dir, "b");
        Path bundle = dir.resolve("team-keys.pem");
        Files.writeString(bundle, Files.readString(a.publicKeyFile()) + "\n" + Files.readString(b.publicKeyFile()));
        JwtSettings s = TestKeys.settings(List.of(bundle), List.of());
        PemKeySource keys = PemKeySource.load(s);
        assertEquals(2, keys.keyCount());
        JwtVerifier v = verifier(s, keys);
        assertEquals("team-keys", v.verify(TokenMinter.mint("ES256", "team-keys", TestKeys.privateKey(a),
                claims())).keyId());
        assertEquals("team-keys", v.verify(TokenMinter.mint("EdDSA", "team-keys", TestKeys.privateKey(b),
                claims())).keyId());
        assertEquals("team-keys", v.verify(TokenMinter.mint("Ed25519", null, TestKeys.privateKey(b),
                claims())).keyId());
    }

    @Test
    void rsaPublicKeyInPkcs1FormIsAccepted() throws Exception {
        KeyPairFiles rsa = TestKeys.pair("RSA", dir, "rsa");
        byte[] spki = PemBlock.parseAll(Files.readString(rsa.publicKeyFile())).get(0).der();
        byte[] pkcs1 = SubjectPublicKeyInfo.getInstance(spki).parsePublicKey().getEncoded();
        Path file = dir.resolve("pkcs1.pem");
        Files.writeString(file, KeyPairFiles.pem("RSA PUBLIC KEY", pkcs1));
        JwtSettings s = TestKeys.settings(List.of(file), List.of());
        verifier(s, PemKeySource.load(s)).verify(TokenMinter.mint("PS256", "pkcs1", TestKeys.privateKey(rsa),
                claims()));
    }

    @Test
    void certificatePemContributesItsPublicKey() throws Exception {
        Path file = dir.resolve("idp.crt");
        Files.writeString(file, CERT);
        Path keyFile = dir.resolve("idp.key");
        Files.writeString(keyFile, CERT_KEY);
        JwtSettings s = TestKeys.settings(List.of(file), List.of());
        Access a = verifier(s, PemKeySource.load(s)).verify(TokenMinter.mint("ES256", "idp",
                TokenMinter.readPrivateKey(keyFile), claims()));
        assertEquals("idp", a.keyId());
    }

    @Test
    void hmacSecretFileDropsTrailingNewline() throws Exception {
        Path file = dir.resolve("hs.txt");
        String secret = "a".repeat(32);
        Files.writeString(file, secret + "\r\n");
        JwtSettings s = TestKeys.settings(List.of(), List.of(file));
        verifier(s, PemKeySource.load(s)).verify(TokenMinter.mint("HS256", "hs", secret.getBytes(), claims()));
    }

    @Test
    void startupErrorNamesMissingFile() {
        Path missing = dir.resolve("missing.pem");
        String msg = startupError(TestKeys.settings(List.of(missing), List.of()));
        assertTrue(msg.startsWith("-auth.publicKeyFiles: cannot read " + missing), msg);
    }

    @Test
    void startupErrorNamesFileWithoutPem() throws Exception {
        Path junk = dir.resolve("junk.pem");
        Files.writeString(junk, "hello");
        String msg = startupError(TestKeys.settings(List.of(junk), List.of()));
        assertTrue(msg.contains(junk.toString()) && msg.contains("no PEM block"), msg);
        assertFalse(msg.contains("\n"), msg);
    }

    @Test
    void startupErrorRefusesPrivateKeyInPublicKeyFile() throws Exception {
        KeyPairFiles p = TestKeys.pair("P-256", dir, "p");
        String msg = startupError(TestKeys.settings(List.of(p.privateKeyFile()), List.of()));
        assertTrue(msg.contains(p.privateKeyFile().toString()) && msg.contains("PRIVATE KEY is not a public key"),
                msg);
    }

    @Test
    void startupErrorRefusesShortRsaKey() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(1024);
        Path weak = dir.resolve("weak.pem");
        Files.writeString(weak, KeyPairFiles.pem("PUBLIC KEY", g.generateKeyPair().getPublic().getEncoded()));
        String msg = startupError(TestKeys.settings(List.of(weak), List.of()));
        assertTrue(msg.contains(weak.toString()) && msg.contains("1024 bits"), msg);
    }

    @Test
    void startupErrorRefusesShortHmacSecretNamingTheFile() throws Exception {
        Path file = dir.resolve("short.secret");
        Files.writeString(file, "too-short\n");
        String msg = startupError(TestKeys.settings(List.of(), List.of(file)));
        assertTrue(msg.startsWith("-auth.hmacSecretFiles: " + file + ": HMAC secret has 9 bytes"), msg);
    }

    @Test
    void startupErrorNamesBrokenInlineKey() {
        JwtSettings s = new JwtSettings(List.of("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"),
                List.of(), List.of(), "", "", Duration.ZERO, false, 1);
        String msg = startupError(s);
        assertTrue(msg.startsWith("-auth.publicKeys[0]: "), msg);
    }

    @Test
    void refreshPicksUpRewrittenKeyFile() throws Exception {
        KeyPairFiles first = TestKeys.pair("RSA", dir, "k");
        KeyPairFiles second = TestKeys.pair("RSA", dir.resolve("2"), "k");
        JwtSettings s = TestKeys.settings(List.of(first.publicKeyFile()), List.of());
        PemKeySource keys = PemKeySource.load(s);
        JwtVerifier v = verifier(s, keys);
        String oldToken = TokenMinter.mint("RS256", "k", TestKeys.privateKey(first), claims());
        v.verify(oldToken);
        assertFalse(keys.refresh(), "unchanged file is not re-read");

        Files.copy(second.publicKeyFile(), first.publicKeyFile(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        touch(first.publicKeyFile(), 5);
        assertTrue(keys.refresh());

        assertEquals("bad_signature", assertThrows(CredentialRejectedException.class, () -> v.verify(oldToken))
                .reason());
        v.verify(TokenMinter.mint("RS256", "k", TestKeys.privateKey(second), claims()));
        assertEquals(0, keys.reloadErrors());
        assertTrue(keys.lastRefreshOk());
    }

    @Test
    void brokenFileOnRefreshKeepsLastGoodKeys() throws Exception {
        KeyPairFiles good = TestKeys.pair("P-384", dir, "k");
        Path hmac = KeyPairFiles.writeHmacSecret(dir.resolve("h.secret"), 32, TestKeys.RANDOM);
        JwtSettings s = TestKeys.settings(List.of(good.publicKeyFile()), List.of(hmac));
        PemKeySource keys = PemKeySource.load(s);
        KeySet before = keys.keySet();
        byte[] secret = TokenMinter.readHmacSecret(hmac);
        JwtVerifier v = verifier(s, keys);
        String token = TokenMinter.mint("ES384", "k", TestKeys.privateKey(good), claims());

        Files.writeString(good.publicKeyFile(), "-----BEGIN PUBLIC KEY-----\nhalf-writ");
        touch(good.publicKeyFile(), 5);
        Files.writeString(hmac, "short");
        touch(hmac, 5);
        assertFalse(keys.refresh());
        assertSame(before, keys.keySet());
        assertEquals(2, keys.keyCount());
        assertEquals(2, keys.reloadErrors());
        assertFalse(keys.lastRefreshOk());
        v.verify(token);

        assertFalse(keys.refresh());
        assertEquals(2, keys.reloadErrors(), "the same broken content is counted once");
        assertFalse(keys.lastRefreshOk());

        Files.delete(hmac);
        assertFalse(keys.refresh());
        assertEquals(3, keys.reloadErrors());
        v.verify(TokenMinter.mint("HS256", "h", secret, claims()));
    }

    @Test
    void fixedFileIsLoadedOnTheNextRefresh() throws Exception {
        KeyPairFiles good = TestKeys.pair("P-521", dir, "k");
        String content = Files.readString(good.publicKeyFile());
        JwtSettings s = TestKeys.settings(List.of(good.publicKeyFile()), List.of());
        PemKeySource keys = PemKeySource.load(s);
        Files.writeString(good.publicKeyFile(), "garbage");
        touch(good.publicKeyFile(), 5);
        keys.refresh();
        KeyPairFiles next = TestKeys.pair("Ed25519", dir.resolve("n"), "k");
        Files.writeString(good.publicKeyFile(), content + Files.readString(next.publicKeyFile()));
        touch(good.publicKeyFile(), 10);
        assertTrue(keys.refresh());
        assertTrue(keys.lastRefreshOk());
        assertEquals(2, keys.keyCount());
        verifier(s, keys).verify(TokenMinter.mint("EdDSA", "k", TestKeys.privateKey(next), claims()));
    }

    @Test
    void privateKeysInSec1AndPkcs1FormCanSign() throws Exception {
        KeyPairFiles rsa = TestKeys.pair("RSA", dir, "rsa");
        Path sec1 = dir.resolve("ec-sec1.key");
        Files.writeString(sec1, CERT_KEY_SEC1);
        Path cert = dir.resolve("ec.crt");
        Files.writeString(cert, CERT);
        Path pkcs1 = dir.resolve("rsa-pkcs1.key");
        Files.writeString(pkcs1, KeyPairFiles.pem("RSA PRIVATE KEY", org.bouncycastle.asn1.pkcs.PrivateKeyInfo
                .getInstance(PemBlock.parseAll(Files.readString(rsa.privateKeyFile())).get(0).der())
                .parsePrivateKey().toASN1Primitive().getEncoded()));
        JwtSettings s = TestKeys.settings(List.of(cert, rsa.publicKeyFile()), List.of());
        JwtVerifier v = verifier(s, PemKeySource.load(s));
        v.verify(TokenMinter.mint("ES256", "ec", TokenMinter.readPrivateKey(sec1), claims()));
        v.verify(TokenMinter.mint("RS512", "rsa", TokenMinter.readPrivateKey(pkcs1), claims()));
    }
}

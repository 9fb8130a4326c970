package io.tsgate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tsgate.auth.Access;
import io.tsgate.auth.CredentialRejectedException;
import io.tsgate.auth.JwtSettings;
import io.tsgate.auth.JwtVerifier;
import io.tsgate.auth.Mode;
import io.tsgate.auth.PemKeySource;
import io.tsgate.request.Label;
import io.tsgate.request.Tenant;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TokenCommandTest {
    @TempDir
    Path dir;

    private record Result(int code, String out, String err) {
    }

    private static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = TokenCommand.run(Arrays.asList(args), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8).trim(), err.toString(StandardCharsets.UTF_8).trim());
    }

    private static JwtVerifier verifier(List<Path> keyFiles, List<Path> secrets) {
        JwtSettings s = new JwtSettings(List.of(), keyFiles, secrets, "", "", Duration.ZERO, false, 100);
        return new JwtVerifier(s, PemKeySource.load(s), Clock.systemUTC());
    }

    @ParameterizedTest
    @CsvSource({"RSA,RS256", "RSA,RS384", "RSA,RS512", "RSA,PS256", "RSA,PS384", "RSA,PS512", "P-256,ES256",
        "P-384,ES384", "P-521,ES512", "Ed25519,EdDSA", "P-256,", "Ed25519,"})
    void mintsTokensTheGatewayAcceptsForEveryKeyFamily(String family, String alg) throws Exception {
        Result keys = run("keygen", "-family=" + family, "-dir=" + dir, "-name=k1");
        assertEquals(0, keys.code(), keys.err());
        List<String> args = new ArrayList<>(List.of("-key=" + dir.resolve("k1.key"), "-kid=k1", "-account=7",
                "-project=9", "-mode=read", "-label=team=dev", "-filter={env=\"prod\"}", "-sub=alice"));
        if (alg != null) {
            args.add("-alg=" + alg);
        }
        Result token = run(args.toArray(String[]::new));
        assertEquals(0, token.code(), token.err());
        Access a = verifier(List.of(dir.resolve("k1.pem")), List.of()).verify(token.out());
        assertEquals(new Tenant(7, 9), a.tenant());
        assertEquals(List.of(new Label("team", "dev")), a.extraLabels());
        assertEquals(List.of("{env=\"prod\"}"), a.extraFilters());
        assertEquals(Mode.READ, a.mode());
        assertEquals("alice", a.subject());
    }

    @ParameterizedTest
    @CsvSource({"HS256", "HS384", "HS512"})
    void mintsHmacTokens(String alg) throws Exception {
        Result secret = run("keygen", "-hmac=secret.txt", "-dir=" + dir);
        assertEquals(0, secret.code(), secret.err());
        Result token = run("-key=" + dir.resolve("secret.txt"), "-alg=" + alg, "-mode=write");
        assertEquals(0, token.code(), token.err());
        Access a = verifier(List.of(), List.of(dir.resolve("secret.txt"))).verify(token.out());
        assertEquals(Mode.WRITE, a.mode());
        assertEquals(new Tenant(0, 0), a.tenant());
    }

    @Test
    void mintsLogsAndTracesParts() throws Exception {
        run("keygen", "-hmac=secret.txt", "-dir=" + dir);
        Result token = run("-key=" + dir.resolve("secret.txt"), "-alg=HS256", "-metrics=false", "-mode=read",
                "-logs.account=5", "-logs.project=1", "-logs.filter=app:nginx", "-logs.filter={\"env\":\"prod\"}",
                "-logs.streamFilter={team=\"dev\"}", "-traces.account=4", "-traces.filter=resource_attr:x:=y");
        assertEquals(0, token.code(), token.err());
        Access a = verifier(List.of(), List.of(dir.resolve("secret.txt"))).verify(token.out());
        assertEquals(false, a.backends().metrics(), "-metrics=false: no metrics grant");
        assertEquals(new io.tsgate.auth.LogsGrant(new Tenant(5, 1), List.of("app:nginx", "{\"env\":\"prod\"}"),
                List.of("{team=\"dev\"}")), a.backends().logs());
        assertEquals(new io.tsgate.auth.LogsGrant(new Tenant(4, 0), List.of("resource_attr:x:=y"),
                List.of("{team=\"dev\"}")), a.backends().traces());
        assertEquals(Mode.READ, a.mode());
        Result both = run("-key=" + dir.resolve("secret.txt"), "-alg=HS256", "-account=2", "-logs.project=3");
        Access b = verifier(List.of(), List.of(dir.resolve("secret.txt"))).verify(both.out());
        assertEquals(new Tenant(2, 0), b.tenant());
        assertEquals(true, b.backends().metrics());
        assertEquals(new Tenant(0, 3), b.backends().logs().tenant());
    }

    @Test
    void refusesTokensThatWouldGrantNothingOrConfineNothing() {
        run("keygen", "-hmac=secret.txt", "-dir=" + dir);
        String key = "-key=" + dir.resolve("secret.txt");
        assertEquals(2, run(key, "-alg=HS256", "-metrics=false").code(), "no backend at all");
        assertEquals(2, run(key, "-alg=HS256", "-metrics=false", "-logs.account=1", "-label=a=b").code(),
                "metrics labels on a token without metrics");
        assertEquals(2, run(key, "-alg=HS256", "-logs.filter= ").code(), "an empty filter confines nothing");
        assertEquals(2, run(key, "-alg=HS256", "-traces.account=-1").code());
    }

    @Test
    void negativeTtlMintsAnExpiredToken() {
        run("keygen", "-family=P-256", "-dir=" + dir, "-name=k");
        Result token = run("-key=" + dir.resolve("k.key"), "-ttl=-10m");
        assertEquals(0, token.code(), token.err());
        CredentialRejectedException e = assertThrows(CredentialRejectedException.class,
                () -> verifier(List.of(dir.resolve("k.pem")), List.of()).verify(token.out()));
        assertEquals("token_expired", e.reason());
    }

    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    @ParameterizedTest
    @CsvSource({"RSA", "P-256", "Ed25519"})
    void keygenWritesThePrivateKeyOwnerOnly(String family) throws Exception {
        Result r = run("keygen", "-family=" + family, "-dir=" + dir, "-name=k");
        assertEquals(0, r.code(), r.err());
        assertEquals(OWNER_ONLY, Files.getPosixFilePermissions(dir.resolve("k.key")));
        assertTrue(Files.getPosixFilePermissions(dir.resolve("k.pem")).contains(PosixFilePermission.OWNER_READ));
    }

    @Test
    void keygenWritesTheHmacSecretOwnerOnly() throws Exception {
        assertEquals(0, run("keygen", "-hmac=hs.secret", "-dir=" + dir).code());
        assertEquals(OWNER_ONLY, Files.getPosixFilePermissions(dir.resolve("hs.secret")));
    }

    @Test
    void keygenRefusesToReplaceAKeyWithoutForce() throws Exception {
        assertEquals(0, run("keygen", "-family=P-256", "-dir=" + dir, "-name=k").code());
        String key = Files.readString(dir.resolve("k.key"));
        String pub = Files.readString(dir.resolve("k.pem"));
        Result again = run("keygen", "-family=P-256", "-dir=" + dir, "-name=k");
        assertEquals(2, again.code());
        assertTrue(again.err().contains(dir.resolve("k.key").toString()) && again.err().contains("-force"), again.err());
        assertEquals(1, again.err().lines().count(), again.err());
        assertEquals(key, Files.readString(dir.resolve("k.key")), "private key untouched");
        assertEquals(pub, Files.readString(dir.resolve("k.pem")), "public key untouched");

        // a leftover public key alone also stops keygen before anything is written
        Files.delete(dir.resolve("k.key"));
        Result pubOnly = run("keygen", "-family=P-256", "-dir=" + dir, "-name=k");
        assertEquals(2, pubOnly.code());
        assertTrue(pubOnly.err().contains(dir.resolve("k.pem").toString()), pubOnly.err());
        assertFalse(Files.exists(dir.resolve("k.key")));
    }

    @Test
    void forceReplacesAKeyAndTheNewOneIsOwnerOnlyWhateverTheOldModeWas() throws Exception {
        assertEquals(0, run("keygen", "-family=P-256", "-dir=" + dir, "-name=k").code());
        String key = Files.readString(dir.resolve("k.key"));
        Files.setPosixFilePermissions(dir.resolve("k.key"), PosixFilePermissions.fromString("rw-r--r--"));
        Result forced = run("keygen", "-family=P-256", "-dir=" + dir, "-name=k", "-force");
        assertEquals(0, forced.code(), forced.err());
        assertNotEquals(key, Files.readString(dir.resolve("k.key")));
        assertEquals(OWNER_ONLY, Files.getPosixFilePermissions(dir.resolve("k.key")));
        try (var leftovers = Files.list(dir)) {
            assertEquals(List.of("k.key", "k.pem"), leftovers.map(p -> p.getFileName().toString()).sorted().toList(),
                    "no temporary file left behind");
        }
    }

    @Test
    void hmacSecretIsReplacedOnlyWithForce() throws Exception {
        assertEquals(0, run("keygen", "-hmac=hs.secret", "-dir=" + dir).code());
        String secret = Files.readString(dir.resolve("hs.secret"));
        Result again = run("keygen", "-hmac=hs.secret", "-dir=" + dir);
        assertEquals(2, again.code());
        assertTrue(again.err().contains(dir.resolve("hs.secret").toString()) && again.err().contains("-force"),
                again.err());
        assertEquals(secret, Files.readString(dir.resolve("hs.secret")));
        assertEquals(0, run("keygen", "-hmac=hs.secret", "-dir=" + dir, "-force").code());
        assertNotEquals(secret, Files.readString(dir.resolve("hs.secret")));
        assertEquals(OWNER_ONLY, Files.getPosixFilePermissions(dir.resolve("hs.secret")));
        assertEquals(2, run("keygen", "-hmac=hs.secret", "-dir=" + dir, "-force=maybe").code());
    }

    @Test
    void badOptionsStopWithOneLineAndExitTwo() {
        Result unknown = run("-key=x", "-colour=red");
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().contains("-colour"), unknown.err());
        assertEquals(2, run("-key=x", "-mode=7").code());
        assertEquals(2, run("-key=x", "-account=-1").code());
        assertEquals(2, run("-account=1").code());
        assertEquals(2, run("keygen", "-family=DSA", "-dir=" + dir).code());
        assertEquals(1, run("-key=" + dir.resolve("missing.key")).err().lines().count());
    }
}

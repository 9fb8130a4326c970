package io.tsgate.auth;

import java.io.IOException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Shared fixtures: key files in a temp dir, claim maps, settings. */
final class TestKeys {
    static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");
    static final SecureRandom RANDOM = new SecureRandom();

    private TestKeys() {
    }

    static KeyPairFiles pair(String family, Path dir, String name) throws IOException {
        return KeyPairFiles.generate(family, dir, name, RANDOM);
    }

    static PrivateKey privateKey(KeyPairFiles files) throws IOException {
        return TokenMinter.readPrivateKey(files.privateKeyFile());
    }

    /** Claims valid at {@link #NOW} for an hour, granting tenant 1:5 read access. */
    static Map<String, Object> claims() {
        Map<String, Object> c = new HashMap<>();
        c.put("exp", NOW.plus(Duration.ofHours(1)).getEpochSecond());
        c.put("sub", "alice");
        c.put("vm_access", Map.of("tenant_id", Map.of("account_id", 1, "project_id", 5), "mode", 1));
        return c;
    }

    static JwtSettings settings(List<Path> publicKeyFiles, List<Path> hmacFiles) {
        return new JwtSettings(List.of(), publicKeyFiles, hmacFiles, "", "", Duration.ZERO, false, 100);
    }

    static JwtSettings withIssuerAudience(JwtSettings s, String iss, String aud, Duration skew) {
        return new JwtSettings(s.publicKeysPem(), s.publicKeyFiles(), s.hmacSecretFiles(), iss, aud, skew,
                s.skipSignatureVerification(), s.cacheSize());
    }
}

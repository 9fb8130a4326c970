package io.tsgate.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import java.util.List;

/**
 * A freshly generated key pair written as PEM: {@code <name>.pem} (SPKI public key, for
 * {@code -auth.publicKeyFiles}; its kid is {@code name}) and {@code <name>.key} (PKCS#8 private key, for
 * {@code tsgate token}). For the quickstart and tests.
 *
 * @param publicKeyFile  the public key file
 * @param privateKeyFile the private key file
 * @param algorithm      the JWS algorithm to sign with this pair
 */
public record KeyPairFiles(Path publicKeyFile, Path privateKeyFile, String algorithm) {
    /** Families {@link #generate} knows: RSA is 2048 bits. */
    public static final List<String> FAMILIES = List.of("RSA", "P-256", "P-384", "P-521", "Ed25519");

    /** Generates a pair of {@code family} and writes both files into {@code dir}. */
    public static KeyPairFiles generate(String family, Path dir, String name, SecureRandom random)
            throws IOException {
        KeyPair pair;
        String alg;
        try {
            switch (family) {
                case "RSA" -> {
                    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
                    g.initialize(2048, random);
                    pair = g.generateKeyPair();
                    alg = "RS256";
                }
                case "P-256", "P-384", "P-521" -> {
                    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
                    g.initialize(new ECGenParameterSpec("secp" + family.substring(2) + "r1"), random);
                    pair = g.generateKeyPair();
                    alg = switch (family) {
                        case "P-256" -> "ES256";
                        case "P-384" -> "ES384";
                        default -> "ES512";
                    };
                }
                case "Ed25519" -> {
                    KeyPairGenerator g = KeyPairGenerator.getInstance("Ed25519");
                    g.initialize(255, random);
                    pair = g.generateKeyPair();
                    alg = "EdDSA";
                }
                default -> throw new IllegalArgumentException("unknown key family " + family + "; use one of "
                        + FAMILIES);
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot generate " + family + " key: " + e.getMessage(), e);
        }
        Files.createDirectories(dir);
        Path pub = dir.resolve(name + ".pem");
        Path priv = dir.resolve(name + ".key");
        Files.writeString(pub, pem("PUBLIC KEY", pair.getPublic().getEncoded()), StandardCharsets.US_ASCII);
        Files.writeString(priv, pem("PRIVATE KEY", pair.getPrivate().getEncoded()), StandardCharsets.US_ASCII);
        return new KeyPairFiles(pub, priv, alg);
    }

    /** Writes a random HMAC secret of {@code bytes} random bytes, base64url-encoded so the file is text. */
    public static Path writeHmacSecret(Path file, int bytes, SecureRandom random) throws IOException {
        byte[] secret = new byte[bytes];
        random.nextBytes(secret);
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, Base64.getUrlEncoder().withoutPadding().encodeToString(secret) + "\n",
                StandardCharsets.US_ASCII);
        return file;
    }

    /** PEM text for one block, 64-character lines. */
    public static String pem(String type, byte[] der) {
        String body = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der);
        return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
    }
}

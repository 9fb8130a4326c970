package io.tsgate.auth;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;

/**
 * A freshly generated key pair written as PEM: {@code <name>.pem} (SPKI public key, for
 * {@code -auth.publicKeyFiles}; its kid is {@code name}) and {@code <name>.key} (PKCS#8 private key, for
 * {@code tsgate token}). For the quickstart and tests.
 *
 * <p>Secrets (private keys, HMAC secrets) are created owner-only ({@code 0600}) by the call that creates the file,
 * so no other user can open them at any moment; public keys are ordinary files. An existing file is never replaced
 * unless {@code overwrite} is asked for: a silently regenerated key invalidates every token signed with the old one.
 *
 * @param publicKeyFile  the public key file
 * @param privateKeyFile the private key file
 * @param algorithm      the JWS algorithm to sign with this pair
 */
public record KeyPairFiles(Path publicKeyFile, Path privateKeyFile, String algorithm) {
    /** Families {@link #generate} knows: RSA is 2048 bits. */
    public static final List<String> FAMILIES = List.of("RSA", "P-256", "P-384", "P-521", "Ed25519");

    /** Generates a pair of {@code family} and writes both files into {@code dir}; refuses to replace either file. */
    public static KeyPairFiles generate(String family, Path dir, String name, SecureRandom random)
            throws IOException {
        return generate(family, dir, name, random, false);
    }

    /**
     * Generates a pair of {@code family} and writes both files into {@code dir}.
     *
     * @throws FileAlreadyExistsException naming the file when it exists and {@code overwrite} is false (nothing is
     *                                    written then)
     */
    public static KeyPairFiles generate(String family, Path dir, String name, SecureRandom random, boolean overwrite)
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
        if (!overwrite) {
            refuseExisting(priv);
            refuseExisting(pub);
        }
        writeSecret(priv, pem("PRIVATE KEY", pair.getPrivate().getEncoded()), overwrite);
        if (overwrite) {
            Files.writeString(pub, pem("PUBLIC KEY", pair.getPublic().getEncoded()), StandardCharsets.US_ASCII);
        } else {
            Files.writeString(pub, pem("PUBLIC KEY", pair.getPublic().getEncoded()), StandardCharsets.US_ASCII,
                    StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        }
        return new KeyPairFiles(pub, priv, alg);
    }

    /** Writes a random HMAC secret of {@code bytes} random bytes (base64url text, mode 0600); never replaces a file. */
    public static Path writeHmacSecret(Path file, int bytes, SecureRandom random) throws IOException {
        return writeHmacSecret(file, bytes, random, false);
    }

    /** {@link #writeHmacSecret(Path, int, SecureRandom)}, replacing an existing file when {@code overwrite}. */
    public static Path writeHmacSecret(Path file, int bytes, SecureRandom random, boolean overwrite) throws IOException {
        byte[] secret = new byte[bytes];
        random.nextBytes(secret);
        Files.createDirectories(file.toAbsolutePath().getParent());
        if (!overwrite) {
            refuseExisting(file);
        }
        writeSecret(file, Base64.getUrlEncoder().withoutPadding().encodeToString(secret) + "\n", overwrite);
        return file;
    }

    private static void refuseExisting(Path file) throws FileAlreadyExistsException {
        if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new FileAlreadyExistsException(file.toString(), null, "exists and would be replaced");
        }
    }

    /**
     * Writes {@code text} into a file that is owner-only from the moment it exists. Without {@code overwrite} the
     * file is created exclusively (O_EXCL: an existing file or a planted symlink fails); with it, a fresh owner-only
     * file is written beside the target and renamed over it, so the old file's mode never applies to the new secret.
     */
    private static void writeSecret(Path file, String text, boolean overwrite) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        FileAttribute<?>[] ownerOnly = ownerOnly(file);
        if (!overwrite) {
            try (SeekableByteChannel c = Files.newByteChannel(file, EnumSet.of(StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE), ownerOnly)) {
                c.write(ByteBuffer.wrap(bytes));
            }
            return;
        }
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp", ownerOnly);
        try {
            Files.write(tmp, bytes);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static FileAttribute<?>[] ownerOnly(Path file) {
        if (!file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            return new FileAttribute<?>[0];
        }
        return new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))};
    }

    /** PEM text for one block, 64-character lines. */
    public static String pem(String type, byte[] der) {
        String body = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der);
        return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
    }
}

package io.tsgate.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.List;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.pkcs.RSAPrivateKey;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;

/**
 * Reads an unencrypted PEM private key in any of the three spellings tools write: PKCS#8 {@code PRIVATE KEY} (RSA,
 * EC, Ed25519; {@code openssl genpkey}), SEC1 {@code EC PRIVATE KEY} ({@code openssl ecparam -genkey}) and PKCS#1
 * {@code RSA PRIVATE KEY} (older {@code openssl genrsa}, cert-manager's default encoding). One reader for token
 * signing ({@code tsgate token}) and the listeners' TLS key ({@code -tlsKeyFile}), so both accept the same files.
 */
public final class PrivateKeyReader {
    private PrivateKeyReader() {
    }

    /** The first private key block of {@code file}; blocks of other types before it (a certificate) are skipped. */
    public static PrivateKey read(Path file) throws IOException {
        List<PemBlock> blocks = PemBlock.parseAll(Files.readString(file, StandardCharsets.US_ASCII));
        for (PemBlock block : blocks) {
            if (block.type().endsWith("PRIVATE KEY")) {
                return decode(block, file);
            }
        }
        throw new IllegalArgumentException(file + ": no PEM private key block (PRIVATE KEY, RSA PRIVATE KEY or "
                + "EC PRIVATE KEY)" + (blocks.isEmpty() ? "" : "; found " + blocks.get(0).type()));
    }

    private static PrivateKey decode(PemBlock block, Path file) throws IOException {
        try {
            PrivateKeyInfo info = switch (block.type()) {
                case "PRIVATE KEY" -> PrivateKeyInfo.getInstance(block.der());
                case "EC PRIVATE KEY" -> sec1ToPkcs8(block.der());
                case "RSA PRIVATE KEY" -> new PrivateKeyInfo(
                        new AlgorithmIdentifier(PKCSObjectIdentifiers.rsaEncryption, DERNull.INSTANCE),
                        RSAPrivateKey.getInstance(block.der()));
                default -> throw new IllegalArgumentException(file + ": PEM block " + block.type()
                        + " is not a key tsgate reads (encrypted keys are not supported)");
            };
            ASN1ObjectIdentifier oid = info.getPrivateKeyAlgorithm().getAlgorithm();
            String algorithm = oid.equals(PKCSObjectIdentifiers.rsaEncryption) ? "RSA"
                    : oid.equals(X9ObjectIdentifiers.id_ecPublicKey) ? "EC"
                    : oid.equals(PublicKeyReader.ID_ED25519) ? "Ed25519" : null;
            if (algorithm == null) {
                throw new IllegalArgumentException(file + ": unsupported private key algorithm " + oid);
            }
            return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(info.getEncoded()));
        } catch (GeneralSecurityException | RuntimeException e) {
            if (e instanceof IllegalArgumentException iae && iae.getMessage() != null
                    && iae.getMessage().startsWith(file.toString())) {
                throw iae;
            }
            throw new IllegalArgumentException(file + ": cannot read private key: " + e.getMessage(), e);
        }
    }

    private static PrivateKeyInfo sec1ToPkcs8(byte[] der) throws IOException {
        org.bouncycastle.asn1.sec.ECPrivateKey sec1 = org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(der);
        if (sec1.getParametersObject() == null) {
            throw new IllegalArgumentException("EC PRIVATE KEY without curve parameters");
        }
        return new PrivateKeyInfo(new AlgorithmIdentifier(X9ObjectIdentifiers.id_ecPublicKey,
                sec1.getParametersObject()), sec1);
    }
}

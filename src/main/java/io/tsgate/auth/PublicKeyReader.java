package io.tsgate.auth;

import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.cert.CertificateFactory;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.RSAPublicKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;

/**
 * Turns PEM text into {@link VerificationKey}s. Accepts {@code PUBLIC KEY} (SPKI: RSA, EC, Ed25519),
 * {@code RSA PUBLIC KEY} (PKCS#1) and {@code CERTIFICATE} (its subject public key; validity is not checked,
 * the certificate is only a key container, as in vmgateway). Private keys are refused so that a misplaced
 * private key file is noticed instead of silently loaded.
 */
public final class PublicKeyReader {
    /** RFC 8410 algorithm id of Ed25519 keys. */
    static final ASN1ObjectIdentifier ID_ED25519 = new ASN1ObjectIdentifier("1.3.101.112");

    private PublicKeyReader() {
    }

    /**
     * All keys in {@code pem}, each with {@code kid}. Throws {@link IllegalArgumentException} whose message starts
     * with {@code source} and says what to fix.
     */
    public static List<VerificationKey> read(String pem, String kid, String source) {
        List<PemBlock> blocks;
        try {
            blocks = PemBlock.parseAll(pem);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + ": " + e.getMessage() + "; expected a PEM public key");
        }
        List<VerificationKey> keys = new ArrayList<>(blocks.size());
        for (PemBlock block : blocks) {
            keys.add(toKey(block, kid, source));
        }
        return keys;
    }

    private static VerificationKey toKey(PemBlock block, String kid, String source) {
        try {
            return switch (block.type()) {
                case "PUBLIC KEY" -> fromSpki(block.der(), kid, source);
                case "RSA PUBLIC KEY" -> VerificationKey.rsa(kid, pkcs1(block.der()), source);
                case "CERTIFICATE" -> fromSpki(certificateKey(block.der()).getEncoded(), kid, source);
                default -> throw new IllegalArgumentException(source + ": PEM block " + block.type()
                        + " is not a public key; give a PUBLIC KEY, RSA PUBLIC KEY or CERTIFICATE block");
            };
        } catch (GeneralSecurityException | RuntimeException e) {
            if (e instanceof IllegalArgumentException iae && iae.getMessage() != null
                    && iae.getMessage().startsWith(source)) {
                throw iae;
            }
            throw new IllegalArgumentException(source + ": cannot read " + block.type() + " block ("
                    + e.getClass().getSimpleName() + "); expected a PEM public key", e);
        }
    }

    private static VerificationKey fromSpki(byte[] der, String kid, String source) throws GeneralSecurityException {
        SubjectPublicKeyInfo spki = SubjectPublicKeyInfo.getInstance(der);
        ASN1ObjectIdentifier oid = spki.getAlgorithm().getAlgorithm();
        if (oid.equals(PKCSObjectIdentifiers.rsaEncryption)) {
            return VerificationKey.rsa(kid, (RSAPublicKey) decode("RSA", der), source);
        }
        if (oid.equals(X9ObjectIdentifiers.id_ecPublicKey)) {
            return VerificationKey.ec(kid, (ECPublicKey) decode("EC", der), source);
        }
        if (oid.equals(ID_ED25519)) {
            return VerificationKey.ed25519(kid, spki.getPublicKeyData().getOctets(), source);
        }
        throw new IllegalArgumentException(source + ": unsupported public key algorithm " + oid
                + "; use RSA, EC (P-256/384/521) or Ed25519");
    }

    private static PublicKey decode(String algorithm, byte[] spki) throws GeneralSecurityException {
        return KeyFactory.getInstance(algorithm).generatePublic(new X509EncodedKeySpec(spki));
    }

    private static RSAPublicKey pkcs1(byte[] der) throws GeneralSecurityException {
        org.bouncycastle.asn1.pkcs.RSAPublicKey k = org.bouncycastle.asn1.pkcs.RSAPublicKey.getInstance(der);
        BigInteger n = k.getModulus();
        return (RSAPublicKey) KeyFactory.getInstance("RSA")
                .generatePublic(new RSAPublicKeySpec(n, k.getPublicExponent()));
    }

    private static PublicKey certificateKey(byte[] der) throws GeneralSecurityException {
        return CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der))
                .getPublicKey();
    }
}

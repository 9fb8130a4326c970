package io.tsgate.auth;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.Ed25519Signer;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.util.Base64URL;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.EdECPrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Arrays;
import java.util.Map;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.pkcs.RSAPrivateKey;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;

/**
 * Signs tokens, for {@code tsgate token}, the quickstart and tests. Not used when serving.
 * Claims are serialized with Jackson exactly as given, so tests can also produce odd but well-formed payloads.
 */
public final class TokenMinter {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TokenMinter() {
    }

    /** A token signed with a private key; {@code alg} must fit the key (RS*, PS*, ES*, EdDSA). */
    public static String mint(String alg, String kid, PrivateKey key, Map<String, Object> claims) {
        return sign(alg, kid, signer(key), claims);
    }

    /** A token signed with an HMAC secret (HS256/384/512; the secret must be at least as long as the hash). */
    public static String mint(String alg, String kid, byte[] hmacSecret, Map<String, Object> claims) {
        try {
            return sign(alg, kid, new MACSigner(hmacSecret), claims);
        } catch (JOSEException e) {
            throw new IllegalArgumentException("cannot use HMAC secret: " + e.getMessage(), e);
        }
    }

    /**
     * Reads a private key PEM file: PKCS#8 {@code PRIVATE KEY} (RSA, EC, Ed25519), SEC1 {@code EC PRIVATE KEY}
     * or PKCS#1 {@code RSA PRIVATE KEY}.
     */
    public static PrivateKey readPrivateKey(Path file) throws IOException {
        PemBlock block = PemBlock.parseAll(Files.readString(file, StandardCharsets.US_ASCII)).get(0);
        try {
            PrivateKeyInfo info = switch (block.type()) {
                case "PRIVATE KEY" -> PrivateKeyInfo.getInstance(block.der());
                case "EC PRIVATE KEY" -> sec1ToPkcs8(block.der());
                case "RSA PRIVATE KEY" -> new PrivateKeyInfo(
                        new AlgorithmIdentifier(PKCSObjectIdentifiers.rsaEncryption, DERNull.INSTANCE),
                        RSAPrivateKey.getInstance(block.der()));
                default -> throw new IllegalArgumentException(file + ": PEM block " + block.type()
                        + " is not a private key");
            };
            ASN1ObjectIdentifier oid = info.getPrivateKeyAlgorithm().getAlgorithm();
            String algorithm = oid.equals(PKCSObjectIdentifiers.rsaEncryption) ? "RSA"
                    : oid.equals(X9ObjectIdentifiers.id_ecPublicKey) ? "EC"
                    : oid.equals(PublicKeyReader.ID_ED25519) ? "Ed25519" : null;
            if (algorithm == null) {
                throw new IllegalArgumentException(file + ": unsupported private key algorithm " + oid);
            }
            return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(info.getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(file + ": cannot read private key: " + e.getMessage(), e);
        }
    }

    /** Reads an HMAC secret file the way {@link PemKeySource} does (trailing CR/LF dropped). */
    public static byte[] readHmacSecret(Path file) throws IOException {
        byte[] b = Files.readAllBytes(file);
        int n = b.length;
        while (n > 0 && (b[n - 1] == '\n' || b[n - 1] == '\r')) {
            n--;
        }
        return Arrays.copyOf(b, n);
    }

    private static PrivateKeyInfo sec1ToPkcs8(byte[] der) throws IOException {
        org.bouncycastle.asn1.sec.ECPrivateKey sec1 = org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(der);
        if (sec1.getParametersObject() == null) {
            throw new IllegalArgumentException("EC PRIVATE KEY without curve parameters");
        }
        return new PrivateKeyInfo(new AlgorithmIdentifier(X9ObjectIdentifiers.id_ecPublicKey,
                sec1.getParametersObject()), sec1);
    }

    private static JWSSigner signer(PrivateKey key) {
        try {
            if (key instanceof ECPrivateKey ec) {
                return new ECDSASigner(ec);
            }
            if (key instanceof EdECPrivateKey ed) {
                byte[] d = ed.getBytes().orElseThrow();
                byte[] x = new Ed25519PrivateKeyParameters(d, 0).generatePublicKey().getEncoded();
                return new Ed25519Signer(new OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(x))
                        .d(Base64URL.encode(d)).build());
            }
            return new RSASSASigner(key);
        } catch (JOSEException e) {
            throw new IllegalArgumentException("cannot sign with this key: " + e.getMessage(), e);
        }
    }

    private static String sign(String alg, String kid, JWSSigner signer, Map<String, Object> claims) {
        JWSHeader.Builder header = new JWSHeader.Builder(JWSAlgorithm.parse(alg)).type(JOSEObjectType.JWT);
        if (kid != null && !kid.isEmpty()) {
            header.keyID(kid);
        }
        try {
            JWSObject jws = new JWSObject(header.build(), new Payload(JSON.writeValueAsString(claims)));
            jws.sign(signer);
            return jws.serialize();
        } catch (JOSEException | JsonProcessingException e) {
            throw new IllegalArgumentException("cannot sign " + alg + " token: " + e.getMessage(), e);
        }
    }
}

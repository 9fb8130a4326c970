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
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.EdECPrivateKey;
import java.util.Arrays;
import java.util.Map;
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

    /** Reads a private key PEM file (PKCS#8, SEC1 or PKCS#1): {@link PrivateKeyReader}. */
    public static PrivateKey readPrivateKey(Path file) throws IOException {
        return PrivateKeyReader.read(file);
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

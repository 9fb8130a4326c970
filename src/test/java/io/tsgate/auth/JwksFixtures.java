package io.tsgate.auth;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64URL;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Key pairs with their public JWK, tokens signed by them, and JWKS documents, for JWKS tests and ITs. */
public final class JwksFixtures {
    private JwksFixtures() {
    }

    /** A private key, the algorithm it signs with, and its public JWK (kid set). */
    public record SigningKey(String alg, String kid, PrivateKey privateKey, JWK publicJwk) {
        /** A token granting tenant {@code account:project} read access until {@code exp}. */
        public String token(long account, long project, Instant exp) {
            return TokenMinter.mint(alg, kid, privateKey, claims(account, project, exp));
        }
    }

    public static SigningKey rsa(String kid) throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        KeyPair kp = g.generateKeyPair();
        return new SigningKey("RS256", kid, kp.getPrivate(),
                new RSAKey.Builder((RSAPublicKey) kp.getPublic()).keyID(kid).build());
    }

    public static SigningKey p256(String kid) throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair kp = g.generateKeyPair();
        return new SigningKey("ES256", kid, kp.getPrivate(),
                new ECKey.Builder(Curve.P_256, (ECPublicKey) kp.getPublic()).keyID(kid).build());
    }

    public static SigningKey ed25519(String kid) throws GeneralSecurityException {
        KeyPair kp = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        byte[] spki = kp.getPublic().getEncoded();
        byte[] x = Arrays.copyOfRange(spki, spki.length - 32, spki.length);
        return new SigningKey("EdDSA", kid, kp.getPrivate(),
                new OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(x)).keyID(kid).build());
    }

    /** A JWKS document holding the public keys. */
    public static String jwks(SigningKey... keys) {
        return new JWKSet(Arrays.stream(keys).map(SigningKey::publicJwk).toList()).toString(true);
    }

    /** A JWKS document of arbitrary JWKs. */
    public static String jwks(List<JWK> keys) {
        return new JWKSet(keys).toString(false);
    }

    public static Map<String, Object> claims(long account, long project, Instant exp) {
        Map<String, Object> c = new HashMap<>();
        c.put("exp", exp.getEpochSecond());
        c.put("sub", "jwks-user");
        c.put("vm_access", Map.of("tenant_id", Map.of("account_id", account, "project_id", project), "mode", 1));
        return c;
    }
}

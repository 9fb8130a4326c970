package io.tsgate.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyOperation;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Turns the keys of a JWK set into {@link VerificationKey}s, so that JWKS keys go through the same selection by
 * {@code kid} and key type as PEM keys (including Ed25519 on {@link Ed25519JwsVerifier}).
 *
 * <p>Skipped, with a reason: keys whose {@code use} is not {@code sig} or whose {@code key_ops} lack
 * {@code verify}; symmetric ({@code oct}) keys, which a public endpoint must never hand out; keys that carry private
 * material; curves other than P-256/384/521 and Ed25519; a key whose {@code alg} does not fit its type. A key with
 * an {@code alg} verifies only that algorithm (an RS256 key never checks a PS256 token).
 */
final class JwkKeys {
    private JwkKeys() {
    }

    static List<VerificationKey> toKeys(List<JWK> jwks, String source, Consumer<String> skipped) {
        List<VerificationKey> out = new ArrayList<>(jwks.size());
        for (int i = 0; i < jwks.size(); i++) {
            JWK jwk = jwks.get(i);
            String name = source + "#" + (jwk.getKeyID() == null ? "key" + i : jwk.getKeyID());
            try {
                VerificationKey k = toKey(jwk, name);
                if (k != null) {
                    out.add(k);
                }
            } catch (IllegalArgumentException | JOSEException e) {
                skipped.accept(name + ": " + e.getMessage());
            }
        }
        return out;
    }

    private static VerificationKey toKey(JWK jwk, String name) throws JOSEException {
        if (jwk.getKeyUse() != null && !KeyUse.SIGNATURE.equals(jwk.getKeyUse())) {
            throw new IllegalArgumentException("use is \"" + jwk.getKeyUse().identifier() + "\", not \"sig\"");
        }
        if (jwk.getKeyOperations() != null && !jwk.getKeyOperations().contains(KeyOperation.VERIFY)) {
            throw new IllegalArgumentException("key_ops does not include verify");
        }
        if (jwk.isPrivate()) {
            throw new IllegalArgumentException("the endpoint publishes private key material; refusing the key");
        }
        String kid = jwk.getKeyID();
        VerificationKey key;
        if (jwk instanceof RSAKey rsa) {
            key = VerificationKey.rsa(kid, rsa.toRSAPublicKey(), name);
        } else if (jwk instanceof ECKey ec) {
            key = VerificationKey.ec(kid, ec.toECPublicKey(), name);
        } else if (jwk instanceof OctetKeyPair okp && Curve.Ed25519.equals(okp.getCurve())) {
            key = VerificationKey.ed25519(kid, okp.getDecodedX(), name);
        } else {
            throw new IllegalArgumentException("key type " + jwk.getKeyType()
                    + (jwk instanceof OctetKeyPair okp ? " curve " + okp.getCurve() : "")
                    + " is not accepted from a JWKS (RSA, EC P-256/384/521 and Ed25519 are)");
        }
        if (jwk.getAlgorithm() == null) {
            return key;
        }
        JWSAlgorithm alg = JWSAlgorithm.parse(jwk.getAlgorithm().getName());
        if (!key.accepts(alg)) {
            throw new IllegalArgumentException("alg " + alg.getName() + " does not fit a " + key.type() + " key");
        }
        return new VerificationKey(key.kid(), key.type(), Set.of(alg), key.verifier(), key.source(), key.binding());
    }
}

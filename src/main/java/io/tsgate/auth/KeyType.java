package io.tsgate.auth;

import com.nimbusds.jose.JWSAlgorithm;

/**
 * The family of a verification key. A token's {@code alg} picks exactly one family, so a token can only ever be
 * checked against keys of that family: this is what rules out algorithm confusion (an HS256 token "signed" with
 * the bytes of an RSA public key is never handed to an RSA key, and no public key is ever used as an HMAC secret).
 */
public enum KeyType {
    RSA, EC, ED25519, HMAC;

    /** The family that verifies {@code alg}, or null when tsgate does not accept that algorithm. */
    public static KeyType forAlgorithm(JWSAlgorithm alg) {
        if (JWSAlgorithm.Family.RSA.contains(alg)) {
            return RSA;
        }
        if (JWSAlgorithm.ES256.equals(alg) || JWSAlgorithm.ES384.equals(alg) || JWSAlgorithm.ES512.equals(alg)) {
            return EC;
        }
        if (JWSAlgorithm.EdDSA.equals(alg) || JWSAlgorithm.Ed25519.equals(alg)) {
            return ED25519;
        }
        if (JWSAlgorithm.Family.HMAC_SHA.contains(alg)) {
            return HMAC;
        }
        return null;
    }
}

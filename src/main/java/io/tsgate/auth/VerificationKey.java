package io.tsgate.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import java.security.Provider;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Arrays;
import java.util.Set;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

/**
 * One key able to check signatures, with the exact algorithms it may check. Built once at load time, so the
 * verification path only looks keys up and calls {@link #verifier()}; the verifiers are thread-safe.
 *
 * @param kid        key id tokens select it by; empty for keys without one (inline PEM)
 * @param type       key family, matched against the token's {@code alg}
 * @param algorithms algorithms this key may verify (an EC key only its curve's, an HMAC secret only those its
 *                   length is strong enough for)
 * @param verifier   nimbus verifier for the key
 * @param source     where the key came from, for logs and errors (a file name or {@code -auth.publicKeys[i]})
 * @param binding    the issuer and audience of the key's source ({@link SourceBinding#NONE}: none named)
 */
public record VerificationKey(String kid, KeyType type, Set<JWSAlgorithm> algorithms, JWSVerifier verifier,
                              String source, SourceBinding binding) {
    /** RSA keys shorter than this are refused: RFC 7518 §3.3 requires 2048 bits. */
    public static final int MIN_RSA_BITS = 2048;
    /** HMAC secrets shorter than this are refused: RFC 7518 §3.2 requires a key as long as the hash. */
    public static final int MIN_HMAC_BYTES = 32;

    /**
     * BouncyCastle verifies ECDSA about five times faster than the JDK 17 provider (ES256 on one core of the build
     * machine: JDK ~0.5k/s, BC ~2.6k/s). It is only the ECDSA verifier's JCA provider,
     * never registered globally. RSA stays on the JDK provider, which is as fast.
     */
    private static final Provider ECDSA_PROVIDER = new BouncyCastleProvider();

    public VerificationKey {
        kid = kid == null ? "" : kid;
        algorithms = Set.copyOf(algorithms);
        binding = binding == null ? SourceBinding.NONE : binding;
    }

    /** A key whose source names no issuer or audience. */
    public VerificationKey(String kid, KeyType type, Set<JWSAlgorithm> algorithms, JWSVerifier verifier,
                           String source) {
        this(kid, type, algorithms, verifier, source, SourceBinding.NONE);
    }

    /** The same key bound to {@code b}. */
    public VerificationKey withBinding(SourceBinding b) {
        return new VerificationKey(kid, type, algorithms, verifier, source, b);
    }

    /** True when this key may check a token signed with {@code alg}. */
    public boolean accepts(JWSAlgorithm alg) {
        return algorithms.contains(alg);
    }

    static VerificationKey rsa(String kid, RSAPublicKey key, String source) {
        int bits = key.getModulus().bitLength();
        if (bits < MIN_RSA_BITS) {
            throw new IllegalArgumentException(source + ": RSA key has " + bits + " bits; at least " + MIN_RSA_BITS
                    + " are required, generate a stronger key");
        }
        Set<JWSAlgorithm> algs = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512,
                JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512);
        return new VerificationKey(kid, KeyType.RSA, algs, new RSASSAVerifier(key), source);
    }

    static VerificationKey ec(String kid, ECPublicKey key, String source) {
        Curve curve = Curve.forECParameterSpec(key.getParams());
        JWSAlgorithm alg = curve == null ? null : switch (curve.getName()) {
            case "P-256" -> JWSAlgorithm.ES256;
            case "P-384" -> JWSAlgorithm.ES384;
            case "P-521" -> JWSAlgorithm.ES512;
            default -> null;
        };
        if (alg == null) {
            throw new IllegalArgumentException(source + ": EC key is not on P-256, P-384 or P-521; use one of those");
        }
        try {
            ECDSAVerifier verifier = new ECDSAVerifier(key);
            verifier.getJCAContext().setProvider(ECDSA_PROVIDER);
            return new VerificationKey(kid, KeyType.EC, Set.of(alg), verifier, source);
        } catch (JOSEException e) {
            throw new IllegalArgumentException(source + ": unusable EC key: " + e.getMessage(), e);
        }
    }

    static VerificationKey ed25519(String kid, byte[] rawPublicKey, String source) {
        try {
            Set<JWSAlgorithm> algs = Set.of(JWSAlgorithm.EdDSA, JWSAlgorithm.Ed25519);
            return new VerificationKey(kid, KeyType.ED25519, algs, new Ed25519JwsVerifier(rawPublicKey), source);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(source + ": unusable Ed25519 key: " + e.getMessage(), e);
        }
    }

    static VerificationKey hmac(String kid, byte[] secret, String source) {
        if (secret.length < MIN_HMAC_BYTES) {
            throw new IllegalArgumentException(source + ": HMAC secret has " + secret.length + " bytes; at least "
                    + MIN_HMAC_BYTES + " (HS256), 48 (HS384) or 64 (HS512) are required, e.g. `head -c 64"
                    + " /dev/urandom > " + source + "`");
        }
        Set<JWSAlgorithm> algs = secret.length >= 64 ? Set.of(JWSAlgorithm.HS256, JWSAlgorithm.HS384, JWSAlgorithm.HS512)
                : secret.length >= 48 ? Set.of(JWSAlgorithm.HS256, JWSAlgorithm.HS384)
                : Set.of(JWSAlgorithm.HS256);
        try {
            return new VerificationKey(kid, KeyType.HMAC, algs, new MACVerifier(Arrays.copyOf(secret, secret.length)),
                    source);
        } catch (JOSEException e) {
            throw new IllegalArgumentException(source + ": unusable HMAC secret: " + e.getMessage(), e);
        }
    }

    /** Never prints key material. */
    @Override
    public String toString() {
        return "VerificationKey[" + type + " kid=" + kid + " from " + source
                + (binding.equals(SourceBinding.NONE) ? "" : " " + binding) + "]";
    }
}

package io.tsgate.auth;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.jca.JCAContext;
import com.nimbusds.jose.util.Base64URL;
import java.util.Set;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

/**
 * EdDSA (Ed25519) JWS verifier on BouncyCastle's lightweight API. nimbus's {@code Ed25519Verifier} goes through
 * Tink and measured ~2.2k verifications/s here against ~6.7k/s for this one (JDK provider: ~0.5k/s); the
 * signature check is the same RFC 8032 verification. Rejects any {@code crit} header, like every tsgate path.
 */
final class Ed25519JwsVerifier implements JWSVerifier {
    private static final Set<JWSAlgorithm> ALGORITHMS = Set.of(JWSAlgorithm.EdDSA, JWSAlgorithm.Ed25519);

    private final Ed25519PublicKeyParameters key;
    private final JCAContext jca = new JCAContext();

    Ed25519JwsVerifier(byte[] rawPublicKey) {
        if (rawPublicKey.length != Ed25519PublicKeyParameters.KEY_SIZE) {
            throw new IllegalArgumentException("Ed25519 public key must be 32 bytes, got " + rawPublicKey.length);
        }
        this.key = new Ed25519PublicKeyParameters(rawPublicKey, 0);
    }

    @Override
    public boolean verify(JWSHeader header, byte[] signingInput, Base64URL signature) {
        if (!ALGORITHMS.contains(header.getAlgorithm())
                || (header.getCriticalParams() != null && !header.getCriticalParams().isEmpty())) {
            return false;
        }
        byte[] sig = signature.decode();
        if (sig.length != Ed25519PublicKeyParameters.KEY_SIZE * 2) {
            return false;
        }
        Ed25519Signer verifier = new Ed25519Signer();
        verifier.init(false, key);
        verifier.update(signingInput, 0, signingInput.length);
        return verifier.verifySignature(sig);
    }

    @Override
    public Set<JWSAlgorithm> supportedJWSAlgorithms() {
        return ALGORITHMS;
    }

    @Override
    public JCAContext getJCAContext() {
        return jca;
    }
}

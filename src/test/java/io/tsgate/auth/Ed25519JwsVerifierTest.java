package io.tsgate.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.Ed25519Signer;
import com.nimbusds.jose.crypto.Ed25519Verifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.gen.OctetKeyPairGenerator;
import com.nimbusds.jose.util.Base64URL;
import java.util.Arrays;
import java.util.Set;
import org.junit.jupiter.api.Test;

class Ed25519JwsVerifierTest {
    @Test
    void agreesWithNimbusOnGoodAndTamperedSignatures() throws Exception {
        OctetKeyPair okp = new OctetKeyPairGenerator(Curve.Ed25519).generate();
        JWSObject jws = new JWSObject(new JWSHeader(JWSAlgorithm.EdDSA), new Payload("{\"exp\":1}"));
        jws.sign(new Ed25519Signer(okp));
        Ed25519JwsVerifier ours = new Ed25519JwsVerifier(okp.getDecodedX());
        Ed25519Verifier nimbus = new Ed25519Verifier(okp.toPublicJWK());
        byte[] input = jws.getSigningInput();
        assertTrue(ours.verify(jws.getHeader(), input, jws.getSignature()));
        assertTrue(nimbus.verify(jws.getHeader(), input, jws.getSignature()));

        byte[] sig = jws.getSignature().decode();
        for (int i : new int[] {0, 31, 32, 63}) {
            byte[] bad = sig.clone();
            bad[i] ^= 1;
            assertFalse(ours.verify(jws.getHeader(), input, Base64URL.encode(bad)), "flipped byte " + i);
        }
        assertFalse(ours.verify(jws.getHeader(), input, Base64URL.encode(Arrays.copyOf(sig, 63))));
        assertFalse(ours.verify(jws.getHeader(), "other".getBytes(), jws.getSignature()));
    }

    @Test
    void refusesOtherAlgorithmsAndCritHeaders() throws Exception {
        OctetKeyPair okp = new OctetKeyPairGenerator(Curve.Ed25519).generate();
        JWSObject jws = new JWSObject(new JWSHeader(JWSAlgorithm.EdDSA), new Payload("{}"));
        jws.sign(new Ed25519Signer(okp));
        Ed25519JwsVerifier ours = new Ed25519JwsVerifier(okp.getDecodedX());
        assertFalse(ours.verify(new JWSHeader(JWSAlgorithm.ES256), jws.getSigningInput(), jws.getSignature()));
        JWSHeader crit = new JWSHeader.Builder(JWSAlgorithm.EdDSA).customParam("x", 1)
                .criticalParams(Set.of("x")).build();
        assertFalse(ours.verify(crit, jws.getSigningInput(), jws.getSignature()));
        assertEquals(Set.of(JWSAlgorithm.EdDSA, JWSAlgorithm.Ed25519), ours.supportedJWSAlgorithms());
    }
}

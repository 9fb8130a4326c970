package io.tsgate.bench;

import io.tsgate.auth.KeyPairFiles;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Instant;
import java.util.Date;
import java.util.Map;

/**
 * Makes the benchmark's credentials: a fresh RSA key pair, its public key as PEM (for {@code -auth.publicKeyFiles})
 * and an RS256 token valid for two hours with a read-only tenant and one extra label, so tsgate does its full work
 * (verify from cache, classify, rewrite with {@code extra_label}). Usage: {@code BenchToken PUBLIC_PEM TOKEN_FILE}.
 */
public final class BenchToken {

    private BenchToken() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: BenchToken PUBLIC_PEM TOKEN_FILE");
            System.exit(2);
        }
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        KeyPair keys = generator.generateKeyPair();
        Files.writeString(Path.of(args[0]), KeyPairFiles.pem("PUBLIC KEY", keys.getPublic().getEncoded()));

        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .subject("bench")
                .expirationTime(Date.from(Instant.now().plusSeconds(7200)))
                .claim("vm_access", Map.of(
                        "tenant_id", Map.of("account_id", 1, "project_id", 5),
                        "extra_labels", Map.of("team", "dev"),
                        "mode", 1))
                .build();
        SignedJWT jwt = new SignedJWT(
                new JWSHeader.Builder(JWSAlgorithm.RS256).type(JOSEObjectType.JWT).build(), claims);
        jwt.sign(new RSASSASigner(keys.getPrivate()));
        Files.writeString(Path.of(args[1]), jwt.serialize() + "\n");
    }
}

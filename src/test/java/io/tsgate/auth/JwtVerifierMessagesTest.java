package io.tsgate.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.nimbusds.jose.util.Base64URL;
import io.tsgate.testing.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a rejected token is told, the token length limit at its exact bound, and the kid under skipped signatures. */
class JwtVerifierMessagesTest {
    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    private static final String PAYLOAD = "{\"exp\":" + NOW.plusSeconds(60).getEpochSecond()
            + ",\"vm_access\":{\"tenant_id\":{\"account_id\":1,\"project_id\":5}}}";
    private final JwtVerifier verifier = new JwtVerifier(
            new JwtSettings(List.of(), List.of(), List.of(), "", "", Duration.ZERO, false, 10), () -> KeySet.EMPTY,
            new MutableClock(NOW));

    private static String token(String headerJson, String payloadJson, String signature) {
        return Base64URL.encode(headerJson) + "." + Base64URL.encode(payloadJson) + "." + signature;
    }

    private CredentialRejectedException rejected(String token) {
        return assertThrows(CredentialRejectedException.class, () -> verifier.verify(token));
    }

    /** An algorithm name is echoed only when it is short and printable ASCII: '!' to '~', at most 16 characters. */
    @Test
    void anUnsupportedAlgorithmIsNamedOnlyWhenShortAndPrintable() {
        Map<String, String> shown = Map.of("X!~", "X!~", "A".repeat(16), "A".repeat(16), "A".repeat(17), "(unprintable)",
                "a b", "(unprintable)", "a\u007f", "(unprintable)", "a\u0080", "(unprintable)", "a\\u0009", "(unprintable)");
        shown.forEach((alg, echoed) -> {
            CredentialRejectedException e = rejected(token("{\"alg\":\"" + alg + "\"}", PAYLOAD, "c2ln"));
            assertEquals("unsupported_alg", e.reason(), alg);
            assertEquals("token algorithm " + echoed + " is not supported", e.getMessage(), alg);
        });
    }

    /** Tokens up to 32 KiB are read; one character more is refused before anything is parsed. */
    @Test
    void theLengthLimitIsInclusive() {
        String header = "{\"alg\":\"XY\"}";
        String payload = PAYLOAD;
        int fixed = token(header, payload, "").length();
        while ((JwtVerifier.MAX_TOKEN_CHARS - fixed) % 4 != 0) {
            payload = payload + " ";
            fixed = token(header, payload, "").length();
        }
        String atLimit = token(header, payload, "A".repeat(JwtVerifier.MAX_TOKEN_CHARS - fixed));
        assertEquals(JwtVerifier.MAX_TOKEN_CHARS, atLimit.length());
        assertEquals("unsupported_alg", rejected(atLimit).reason(), "read, and refused for what it says");
        CredentialRejectedException over = rejected(atLimit + "AAAA".substring(0, 1));
        assertEquals("malformed_token", over.reason());
        assertEquals("token is empty or too long", over.getMessage());
    }

    @Test
    void withSignaturesSkippedTheKeyIdIsTheTokensOwn(@TempDir Path dir) throws Exception {
        KeyPairFiles rsa = TestKeys.pair("RSA", dir, "rsa");
        JwtVerifier skipping = new JwtVerifier(
                new JwtSettings(List.of(), List.of(), List.of(), "", "", Duration.ZERO, true, 10), () -> KeySet.EMPTY,
                new MutableClock(NOW));
        Map<String, Object> claims = Map.of("exp", NOW.plusSeconds(60).getEpochSecond(),
                "vm_access", Map.of("tenant_id", Map.of("account_id", 1, "project_id", 5)));
        assertEquals("idp-7", skipping.verify(TokenMinter.mint("RS256", "idp-7", TestKeys.privateKey(rsa), claims)).keyId());
        assertEquals("", skipping.verify(TokenMinter.mint("RS256", null, TestKeys.privateKey(rsa), claims)).keyId());
    }
}

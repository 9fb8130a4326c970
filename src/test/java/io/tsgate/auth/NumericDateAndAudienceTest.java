package io.tsgate.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The range rule for {@code exp}, {@code nbf} and {@code iat} (a number of seconds since the epoch in [0, 10^11),
 * integral or fractional; anything else is a 401 naming the claim, millisecond timestamps with a message that says
 * so) and the {@code aud} check with {@code -auth.audience} set (a string, or an array of strings one of which is
 * the configured audience).
 */
class NumericDateAndAudienceTest {
    private static final Instant NOW = Instant.ofEpochSecond(1_900_000_000L);
    private final ClaimsParser parser = new ClaimsParser("", "", Duration.ofSeconds(30));
    private final ClaimsParser withAudience = new ClaimsParser("", "tsgate", Duration.ZERO);

    private Access parse(ClaimsParser p, String claimsWithoutBraces) throws CredentialRejectedException {
        return p.parse(ClaimsParser.readPayload("{" + claimsWithoutBraces + ",\"vm_access\":{}}"), NOW, "kid");
    }

    @ParameterizedTest(name = "exp {0} is an invalid claim")
    @ValueSource(strings = {"-1", "-0.5", "-1e300", "1e300", "1e400", "-1e400", "100000000000", "99999999999.9999999",
        "1900000600000", "1900000600000.5", "123456789012345678901234567890", "-123456789012345678901234567890"})
    void expOutsideTheRangeIsAnInvalidClaim(String exp) {
        CredentialRejectedException e = assertThrows(CredentialRejectedException.class,
                () -> parse(parser, "\"exp\":" + exp));
        assertEquals("invalid_claims", e.reason(), e.getMessage());
        assertTrue(e.getMessage().startsWith("invalid claim exp:"), e.getMessage());
    }

    @ParameterizedTest(name = "{0} {1} is an invalid claim")
    @CsvSource({"nbf, -1", "nbf, -0.25", "nbf, 1e300", "nbf, -1e300", "nbf, 1899999999000", "iat, -1", "iat, -1e300",
        "iat, 1e300", "iat, 1899999999000", "iat, 100000000000.5"})
    void nbfAndIatOutsideTheRangeAreInvalidClaims(String claim, String value) {
        CredentialRejectedException e = assertThrows(CredentialRejectedException.class,
                () -> parse(parser, "\"exp\":1900000600,\"" + claim + "\":" + value));
        assertEquals("invalid_claims", e.reason(), e.getMessage());
        assertTrue(e.getMessage().startsWith("invalid claim " + claim + ":"), e.getMessage());
    }

    @Test
    void millisecondExpiryIsRefusedWithAMessageNamingMilliseconds() {
        CredentialRejectedException e = assertThrows(CredentialRejectedException.class,
                () -> parse(parser, "\"exp\":" + (NOW.toEpochMilli() + 600_000)));
        assertTrue(e.getMessage().contains("milliseconds"), e.getMessage());
    }

    /** The claims of vmgateway's documented cluster quick-start token: {@code exp} in milliseconds. */
    @Test
    void vmgatewaysDocumentedMillisecondTokenIsRefusedNamingMilliseconds() {
        CredentialRejectedException e = assertThrows(CredentialRejectedException.class, () -> parser.parse(
                ClaimsParser.readPayload("{\"exp\":1620162000000,\"vm_access\":{\"tenant_id\":{\"account_id\":15}}}"),
                Instant.ofEpochSecond(1_620_000_000L), "kid"));
        assertEquals("invalid_claims", e.reason());
        assertTrue(e.getMessage().startsWith("invalid claim exp:"), e.getMessage());
        assertTrue(e.getMessage().contains("milliseconds") && e.getMessage().contains("mint the token with seconds"),
                e.getMessage());
    }

    @Test
    void theRangeEndsAreInclusiveAtZeroAndExclusiveAtTenToTheEleven() throws Exception {
        assertEquals(Instant.ofEpochSecond(99_999_999_999L), parse(parser, "\"exp\":99999999999").expiresAt());
        assertEquals(Instant.ofEpochSecond(99_999_999_999L, 500_000_000),
                parse(parser, "\"exp\":99999999999.5").expiresAt());
        Access a = parse(parser, "\"exp\":1900000600,\"nbf\":0,\"iat\":0.0");
        assertEquals(Instant.ofEpochSecond(1_900_000_600L), a.expiresAt());
        // exp 0 is in range, so it is judged by time: long expired.
        assertEquals("token_expired", assertThrows(CredentialRejectedException.class,
                () -> parse(parser, "\"exp\":0")).reason());
    }

    @Test
    void fractionalValuesInRangeAreComparedExactlyWithTheSkew() throws Exception {
        // 30 s skew: exp + 30 s must be after now.
        assertEquals("token_expired", assertThrows(CredentialRejectedException.class,
                () -> parse(parser, "\"exp\":1899999970.0")).reason());
        parse(parser, "\"exp\":1899999970.001");
        assertEquals("token_not_yet_valid", assertThrows(CredentialRejectedException.class,
                () -> parse(parser, "\"exp\":1900000600,\"nbf\":1900000030.5")).reason());
        parse(parser, "\"exp\":1900000600,\"nbf\":1900000030.0");
        assertEquals("token_not_yet_valid", assertThrows(CredentialRejectedException.class,
                () -> parse(parser, "\"exp\":1900000600,\"iat\":1900000030.25")).reason());
        parse(parser, "\"exp\":1900000600,\"iat\":1900000030");
    }

    @ParameterizedTest(name = "aud {0} is refused")
    @ValueSource(strings = {"[\"other\"]", "[]", "\"other\"", "\"\"", "[\"TSGATE\"]", "[\"tsgate \"]", "{\"tsgate\":1}",
        "1", "null"})
    void audienceThatDoesNotNameThisGatewayIsRefused(String aud) {
        CredentialRejectedException e = assertThrows(CredentialRejectedException.class,
                () -> parse(withAudience, "\"exp\":1900000600,\"aud\":" + aud));
        assertEquals("bad_audience", e.reason(), e.getMessage());
    }

    @ParameterizedTest(name = "aud {0} is malformed")
    @ValueSource(strings = {"[1]", "[1,\"tsgate\"]", "[\"tsgate\",1]", "[\"tsgate\",null]", "[[\"tsgate\"]]"})
    void audienceArrayHoldingANonStringIsAnInvalidClaim(String aud) {
        CredentialRejectedException e = assertThrows(CredentialRejectedException.class,
                () -> parse(withAudience, "\"exp\":1900000600,\"aud\":" + aud));
        assertEquals("invalid_claims", e.reason(), e.getMessage());
        assertTrue(e.getMessage().startsWith("invalid claim aud:"), e.getMessage());
    }

    @Test
    void missingAudienceIsRefusedWhenOneIsConfigured() {
        assertEquals("bad_audience", assertThrows(CredentialRejectedException.class,
                () -> parse(withAudience, "\"exp\":1900000600")).reason());
    }

    @ParameterizedTest(name = "aud {0} is accepted")
    @ValueSource(strings = {"\"tsgate\"", "[\"tsgate\"]", "[\"other\",\"tsgate\"]", "[\"tsgate\",\"other\"]"})
    void audienceNamingThisGatewayIsAccepted(String aud) throws Exception {
        assertEquals(Instant.ofEpochSecond(1_900_000_600L),
                parse(withAudience, "\"exp\":1900000600,\"aud\":" + aud).expiresAt());
    }

    @Test
    void audienceIsNotCheckedWhenNoneIsConfigured() throws Exception {
        parse(parser, "\"exp\":1900000600,\"aud\":[1,\"x\"]");
    }
}

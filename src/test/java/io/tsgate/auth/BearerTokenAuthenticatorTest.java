package io.tsgate.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tsgate.request.RequestAttributes;
import io.tsgate.request.Tenant;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Which token the verifier is given for each header spelling: the header is read as indices (no copy of the token),
 * and must yield exactly what {@code trim()}, a case-insensitive {@code "bearer "} and another {@code trim()} would.
 */
class BearerTokenAuthenticatorTest {
    /** Returns the token it was given, as the subject. */
    private static final TokenVerifier ECHO = t -> new Access(new Tenant(0, 0), List.of(), List.of(), Mode.FULL, t,
            "", Instant.MAX);

    private static String outcome(String header, String value) {
        // the verifier sees the region only through its default method, i.e. as text.substring(from, to)
        BearerTokenAuthenticator a = new BearerTokenAuthenticator(header, ECHO);
        try {
            return "token:" + a.authenticate(new RequestAttributes("GET", "/", Map.of(header.toLowerCase(), value),
                    null, true, "")).subject();
        } catch (CredentialRejectedException e) {
            return e.reason();
        }
    }

    @ParameterizedTest(name = "{0}: [{1}] -> {2}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', value = {
        "Authorization | 'Bearer abc'           | token:abc",
        "Authorization | 'bearer abc'           | token:abc",
        "Authorization | 'BEARER abc'           | token:abc",
        "Authorization | '  Bearer \t  abc \t ' | token:abc",
        "Authorization | 'Bearer a b'           | token:a b",
        "Authorization | 'Bearer'               | bad_auth_scheme",
        "Authorization | 'Bearer   '            | bad_auth_scheme",
        "Authorization | ' Bearer  '            | bad_auth_scheme",
        "Authorization | 'Bearerabc'            | bad_auth_scheme",
        "Authorization | 'Basic abc'            | bad_auth_scheme",
        "Authorization | 'abc'                  | bad_auth_scheme",
        "Authorization | '   '                  | missing_credential",
        "X-Token       | 'abc'                  | token:abc",
        "X-Token       | '  abc  '              | token:abc",
        "X-Token       | 'Bearer abc'           | token:abc",
        "X-Token       | 'Bearer'               | token:Bearer",
        "X-Token       | 'Bearer    '           | token:Bearer",
        "X-Token       | 'Bearer \t x'          | token:x",
    })
    void tokenIsTheTrimmedValueAfterTheScheme(String header, String value, String expected) {
        assertEquals(expected, outcome(header, value.replace("\\t", "\t")));
    }
}

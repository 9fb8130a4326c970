package io.tsgate.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tsgate.auth.Access;
import io.tsgate.auth.ApiKeyParser;
import io.tsgate.auth.Authenticator;
import io.tsgate.auth.VmAccessClaim;
import io.tsgate.request.Label;
import io.tsgate.request.RequestAttributes;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A grant confined only by extra_filters may read but never write, whatever the source of the grant: VictoriaMetrics
 * applies extra_label to ingested samples and ignores extra_filters there. {@code -apikeys.nameLabel} is not a
 * confinement of the grant.
 */
class WriteConfinementTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SHA = "\"sha256\":\"" + "ab".repeat(32) + "\"";
    private static final String OPS = "[\"{team=\\\"ops\\\"}\"]";

    private record FixedAuthenticator(Access access) implements Authenticator {
        @Override
        public Access authenticate(RequestAttributes request) {
            return access;
        }

        @Override
        public String credentialHeader() {
            return "authorization";
        }
    }

    /** {@code source}: {@code jwt} (a vm_access object), {@code key} (an API key entry), {@code key+name} (with -apikeys.nameLabel=apikey). */
    private static Access grant(String source, String json) throws Exception {
        return switch (source) {
            case "jwt" -> VmAccessClaim.toAccess(JSON.readTree(json), "sub", "kid", Instant.parse("2100-01-01T00:00:00Z"));
            case "key" -> new ApiKeyParser("").parseJson("k1", json).access();
            case "key+name" -> new ApiKeyParser("apikey").parseJson("k1", json).access();
            default -> throw new IllegalArgumentException(source);
        };
    }

    @ParameterizedTest(name = "{0} {1} {2} {3} → {4}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        // filters only: every write path refused, reads allowed
        "jwt      | {'extra_filters':OPS,'mode':3}                          | POST | /api/v1/import                | filters_do_not_confine_writes",
        "jwt      | {'extra_filters':OPS,'mode':3}                          | POST | /api/v1/write                 | filters_do_not_confine_writes",
        "jwt      | {'extra_filters':OPS}                                   | POST | /prometheus/api/v1/import/csv | filters_do_not_confine_writes",
        "jwt      | {'extra_filters':OPS,'mode':2}                          | POST | /influx/write                 | filters_do_not_confine_writes",
        "jwt      | {'extra_filters':OPS,'mode':2}                          | POST | /api/v1/import/native         | filters_do_not_confine_writes",
        "jwt      | {'extra_filters':OPS,'mode':2}                          | POST | /datadog/api/v2/series        | filters_do_not_confine_writes",
        "jwt      | {'extra_filters':OPS,'mode':2}                          | POST | /opentelemetry/v1/metrics     | filters_do_not_confine_writes",
        "jwt      | {'metrics_extra_filters':OPS,'mode':2}                  | POST | /api/v1/import/prometheus     | filters_do_not_confine_writes",
        "jwt      | {'extra_filters':OPS,'mode':3}                          | GET  | /api/v1/query?query=up        | allow",
        "jwt      | {'metrics_extra_filters':OPS,'mode':1}                  | GET  | /api/v1/export?match[]=up     | allow",
        // labels (either spelling) confine writes; filters then narrow reads
        "jwt      | {'extra_labels':{'team':'ops'},'extra_filters':OPS}     | POST | /api/v1/import                | allow",
        "jwt      | {'metrics_extra_labels':['team=ops'],'metrics_extra_filters':OPS} | POST | /api/v1/write | allow",
        "jwt      | {'extra_labels':{'team':'ops'},'metrics_extra_filters':OPS} | POST | /influx/write             | allow",
        "jwt      | {'mode':2}                                              | POST | /api/v1/import                | allow",
        // API keys: the same rule; the name label is not a confinement of the grant
        "key      | {SHA,'extra_filters':OPS,'mode':2}                      | POST | /api/v1/import                | filters_do_not_confine_writes",
        "key+name | {SHA,'extra_filters':OPS,'mode':2}                      | POST | /api/v1/import                | filters_do_not_confine_writes",
        "key+name | {SHA,'extra_filters':OPS,'mode':3}                      | GET  | /api/v1/query?query=up        | allow",
        "key+name | {SHA,'extra_labels':{'team':'ops'},'extra_filters':OPS,'mode':2} | POST | /api/v1/import   | allow",
        "key+name | {SHA,'mode':2}                                          | POST | /api/v1/import                | allow"})
    void filtersAloneNeverConfineAWrite(String source, String grantJson, String method, String path, String outcome)
            throws Exception {
        Access access = grant(source, grantJson.replace('\'', '"').replace("OPS", OPS).replace("SHA", SHA));
        RequestAuthorizer authorizer = new RequestAuthorizer(new FixedAuthenticator(access), false);
        Decision d = authorizer.decide(new RequestAttributes(method, path, Map.of("content-type", "text/plain"),
                new byte[0], true, "10.0.0.1"));
        if (outcome.equals("allow")) {
            Allow a = assertInstanceOf(Allow.class, d, () -> "expected allow, got " + d);
            for (Label l : access.extraLabels()) {
                assertTrue(a.path().contains("extra_label=" + l.name() + "%3D" + l.value()), a.path());
            }
            return;
        }
        Deny deny = assertInstanceOf(Deny.class, d, () -> "expected deny, got " + d);
        assertEquals(403, deny.status());
        assertEquals(outcome, deny.reason());
        assertTrue(deny.message().contains("add extra_labels"), deny.message());
    }
}

package io.tsgate.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tsgate.auth.BearerTokenAuthenticator;
import io.tsgate.auth.ClaimsParser;
import io.tsgate.request.Backend;
import io.tsgate.request.RequestAttributes;
import io.tsgate.request.RequestClass;
import io.tsgate.request.Tenant;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * Requests for VictoriaLogs and VictoriaTraces, from the {@code vm_access} claim to the decision. The bearer "token"
 * here is the {@code vm_access} JSON itself, read by the real {@link ClaimsParser} (signatures are tested elsewhere).
 * VictoriaLogs' semantics: https://docs.victoriametrics.com/victorialogs/querying/ (v1.26.0: tenant from the
 * AccountID/ProjectID headers, each extra_filters / extra_stream_filters argument ANDed into the query).
 */
class LogsAuthorizationTest {
    static final String CONFINED = "{\"logs_account_id\":5,\"logs_project_id\":1,"
            + "\"logs_extra_filters\":[\"app:nginx\",\"{\\\"env\\\":\\\"prod\\\"}\"],"
            + "\"logs_extra_stream_filters\":[\"{team=\\\"dev\\\"}\"]}";
    static final String OPEN_LOGS = "{\"logs_account_id\":3}";
    static final String READ_LOGS = "{\"logs_account_id\":3,\"mode\":1}";
    static final String METRICS = "{\"tenant_id\":{\"account_id\":2}}";
    static final String BOTH = "{\"tenant_id\":{\"account_id\":2},\"logs_account_id\":9}";
    static final String TRACES_OWN = "{\"logs_account_id\":9,\"traces_account_id\":4,"
            + "\"traces_extra_filters\":[\"resource_attr:service.name:=api\"]}";

    private static final ClaimsParser PARSER = new ClaimsParser("", "", Duration.ZERO);
    private static final RequestAuthorizer AUTHORIZER = new RequestAuthorizer(
            new BearerTokenAuthenticator("Authorization", token -> PARSER.parse(ClaimsParser.readPayload(
                    "{\"exp\":1900000600,\"vm_access\":" + token + "}"), Instant.ofEpochSecond(1_900_000_000L), "k")),
            false);

    static Decision decide(String backend, String method, String target, String claim, Map<String, String> extra,
                           String body) {
        Map<String, String> h = new HashMap<>(extra);
        h.put("authorization", "Bearer " + claim);
        byte[] b = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        Map<String, String> ext = backend == null ? Map.of() : Map.of(Backend.CONTEXT_KEY, backend);
        return AUTHORIZER.decide(new RequestAttributes(method, target, h, b, true, "10.0.0.1", ext));
    }

    private static Allow allowed(Decision d) {
        return assertInstanceOf(Allow.class, d, () -> "expected allow, got " + d);
    }

    private static Deny denied(Decision d) {
        return assertInstanceOf(Deny.class, d, () -> "expected deny, got " + d);
    }

    @Test
    void confinedQueryGetsTenantHeadersAndTheGrantsFiltersInsteadOfTheClients() {
        Allow a = allowed(decide("logs", "GET", "/select/logsql/query?query=error&extra_filters=*"
                + "&EXTRA_FILTERS=x&extra_stream_filters%5B%5D=y&extra_filter%73=z&limit=10", CONFINED,
                Map.of("accountid", "0", "projectid", "0"), null));
        assertEquals("/select/logsql/query?query=error&limit=10&extra_filters=app%3Anginx"
                + "&extra_filters=%7B%22env%22%3A%22prod%22%7D&extra_stream_filters=%7Bteam%3D%22dev%22%7D", a.path());
        assertEquals(Map.of("accountid", "5", "projectid", "1"), a.setHeaders());
        assertFalse(a.removeHeaders().contains("accountid"), "set, not removed: the set value replaces the client's");
        assertTrue(a.removeHeaders().contains("authorization"));
        assertEquals(new Tenant(5, 1), a.tenant());
        assertEquals(Backend.LOGS, a.backend());
        assertEquals(RequestClass.READ, a.requestClass());
    }

    @Test
    void unconfinedGrantKeepsTheClientsArgumentsAndGetsItsTenant() {
        Allow a = allowed(decide("logs", "POST", "/select/logsql/hits?query=*&extra_filters=a:b", OPEN_LOGS,
                Map.of("content-type", "application/x-www-form-urlencoded"), "step=1h"));
        assertEquals("/select/logsql/hits?query=%2A&extra_filters=a%3Ab", a.path());
        assertEquals(Map.of("accountid", "3", "projectid", "0"), a.setHeaders());
    }

    @Test
    void tracesTakeTheirOwnFieldsAndLogsTheirs() {
        Allow t = allowed(decide("traces", "GET", "/select/logsql/query?query=*", TRACES_OWN, Map.of(), null));
        assertEquals(Map.of("accountid", "4", "projectid", "0"), t.setHeaders());
        assertTrue(t.path().endsWith("&extra_filters=resource_attr%3Aservice.name%3A%3Dapi"), t.path());
        Allow l = allowed(decide("logs", "GET", "/select/logsql/query?query=*", TRACES_OWN, Map.of(), null));
        assertEquals(Map.of("accountid", "9", "projectid", "0"), l.setHeaders());
        assertEquals("/select/logsql/query?query=%2A", l.path());
    }

    @Test
    void writesAreClassifiedAndCarryTheTenant() {
        Allow a = allowed(decide("logs", "POST", "/insert/jsonline?_stream_fields=app", OPEN_LOGS,
                Map.of("content-type", "application/stream+json"), "{}"));
        assertEquals(RequestClass.WRITE, a.requestClass());
        assertEquals(Map.of("accountid", "3", "projectid", "0"), a.setHeaders());
        Allow t = allowed(decide("traces", "POST", "/insert/opentelemetry/v1/traces", OPEN_LOGS, Map.of(), "x"));
        assertEquals(RequestClass.WRITE, t.requestClass());
    }

    @Test
    void metricsRightsNeverComeFromLogsFieldsNorTheReverse() {
        Deny m = denied(decide(null, "GET", "/api/v1/query?query=up", OPEN_LOGS, Map.of(), null));
        assertEquals(403, m.status());
        assertEquals("no_metrics_grant", m.reason());
        Deny l = denied(decide("logs", "GET", "/select/logsql/query?query=*", METRICS, Map.of(), null));
        assertEquals(403, l.status());
        assertEquals("no_logs_grant", l.reason());
        assertEquals("no_traces_grant", denied(decide("traces", "GET", "/select/logsql/query?query=*", METRICS,
                Map.of(), null)).reason());
        Allow both = allowed(decide("metrics", "GET", "/api/v1/query?query=up", BOTH, Map.of(), null));
        assertEquals(new Tenant(2, 0), both.tenant());
        assertEquals(Map.of(), both.setHeaders());
        assertTrue(both.removeHeaders().contains("accountid"), "metrics requests still strip the tenant headers");
    }

    @ParameterizedTest(name = "[{index}] {0} {1} {2} with {3} is {4} {5}")
    @CsvSource(delimiter = '|', textBlock = """
            logs   | GET  | /select/logsql/tail?query=*                      | CONFINED  | 200 |
            logs   | GET  | /select/logsql/field_names?query=*               | CONFINED  | 200 |
            logs   | GET  | /select/logsql/stream_field_values?query=*&field=a | CONFINED | 200 |
            traces | GET  | /select/logsql/streams?query=*                   | CONFINED  | 200 |
            traces | GET  | /select/jaeger/api/services                      | OPEN_LOGS | 200 |
            traces | GET  | /select/jaeger/api/traces/abc                    | OPEN_LOGS | 200 |
            traces | GET  | /select/jaeger/api/services                      | CONFINED  | 403 | endpoint_not_confinable
            traces | GET  | /select/jaeger/api/traces?service=a              | CONFINED  | 403 | endpoint_not_confinable
            traces | GET  | /select/jaeger/api/traces/abc                    | CONFINED  | 403 | endpoint_not_confinable
            logs   | GET  | /select/jaeger/api/services                      | OPEN_LOGS | 403 | unknown_endpoint
            logs   | POST | /insert/opentelemetry/v1/traces                  | OPEN_LOGS | 403 | unknown_endpoint
            traces | POST | /insert/jsonline                                 | OPEN_LOGS | 403 | unknown_endpoint
            logs   | GET  | /select/logsql/tenant_ids                        | OPEN_LOGS | 403 | unknown_endpoint
            logs   | GET  | /select/vmui                                     | OPEN_LOGS | 403 | unknown_endpoint
            logs   | GET  | /internal/select/query                           | OPEN_LOGS | 403 | unknown_endpoint
            logs   | GET  | /api/v1/query?query=up                           | OPEN_LOGS | 403 | unknown_endpoint
            logs   | DELETE | /select/logsql/query                           | OPEN_LOGS | 403 | unknown_endpoint
            logs   | GET  | /select//logsql/query                            | OPEN_LOGS | 400 | path_double_slash
            logs   | GET  | /select/logsql/%71uery                           | OPEN_LOGS | 400 | path_encoded
            logs   | POST | /insert/jsonline                                 | CONFINED  | 403 | filters_do_not_confine_writes
            logs   | POST | /insert/elasticsearch/_bulk                      | READ_LOGS | 403 | mode_forbids_write
            logs   | POST | /insert/loki/api/v1/push                         | OPEN_LOGS | 200 |
            logs   | POST | /insert/opentelemetry/v1/logs                    | OPEN_LOGS | 200 |
            logs   | POST | /insert/journald/upload                          | OPEN_LOGS | 200 |
            logs   | POST | /insert/datadog/api/v2/logs                      | OPEN_LOGS | 200 |
            logs   | GET  | /insert/elasticsearch/                           | OPEN_LOGS | 200 |
            logs   | PUT  | /insert/elasticsearch/_index_template/x          | OPEN_LOGS | 200 |
            logs   | GET  | /insert/syslog                                   | OPEN_LOGS | 403 | unknown_endpoint
            logs   | GET  | /select/logsql/query?query=a&query=b             | CONFINED  | 400 | repeated_param
            logs   | GET  | /select/logsql/query?query=a&limit=1&limit=2     | CONFINED  | 400 | repeated_param
            logs   | GET  | /select/logsql/query?query=a&query=b             | OPEN_LOGS | 200 |
            logs   | GET  | /select/logsql/query?query=a;b                   | CONFINED  | 400 | query_semicolon
            logs   | GET  | /select/logsql/query?query=%zz                   | CONFINED  | 400 | query_bad_encoding
            bogus  | GET  | /select/logsql/query                             | OPEN_LOGS | 400 | unknown_backend
            Logs   | GET  | /select/logsql/query                             | OPEN_LOGS | 400 | unknown_backend
            """)
    void endpointTable(String backend, String method, String target, String claim, int status, String reason) {
        String c = switch (claim) {
            case "CONFINED" -> CONFINED;
            case "OPEN_LOGS" -> OPEN_LOGS;
            case "READ_LOGS" -> READ_LOGS;
            default -> throw new IllegalArgumentException(claim);
        };
        Decision d = decide(backend, method, target, c, Map.of(), method.equals("POST") ? "x" : null);
        if (status == 200) {
            allowed(d);
        } else {
            Deny n = denied(d);
            assertEquals(List.of(status, reason), List.of(n.status(), n.reason()), n.message());
        }
    }

    @ParameterizedTest(name = "[{index}] Content-Type {0}")
    @CsvSource(delimiter = '|', textBlock = """
            application/x-www-form-urlencoded               | form_body
            Application/X-WWW-Form-Urlencoded; charset=utf-8 | form_body
            multipart/form-data; boundary=x                 | form_body
            'application/x-www-form-urlencoded, text/plain' | content_type_repeated
            """)
    void confinedQueryWithAFormBodyIsRefused(String contentType, String reason) {
        Deny d = denied(decide("logs", "POST", "/select/logsql/query", CONFINED, Map.of("content-type", contentType),
                "query=*&extra_filters=*"));
        assertEquals(400, d.status());
        assertEquals(reason, d.reason(), d.message());
        // Not even a GET may carry one: whether a proxy forwarded the body is not reliably known.
        assertEquals(reason, denied(decide("logs", "GET", "/select/logsql/query?query=*", CONFINED,
                Map.of("content-type", contentType), null)).reason());
    }
}

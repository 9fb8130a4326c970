package io.tsgate.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tsgate.request.Tenant;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The logs and traces parts of {@code vm_access}: vmauth's {@code logs_*} fields as its {@code lib/jwt/jwt.go}
 * ({@code VMAccessClaim}, VictoriaMetrics master b7ef6cc) defines them, and tsgate's {@code traces_*} extension
 * falling back to them field by field. Each backend's rights come from its own fields only.
 */
class LogsClaimsTest {
    private static final Instant NOW = Instant.ofEpochSecond(1_900_000_000L);
    private final ClaimsParser parser = new ClaimsParser("", "", Duration.ZERO);

    private Access vmAccess(String json) throws CredentialRejectedException {
        return parser.parse(ClaimsParser.readPayload("{\"exp\":1900000600,\"vm_access\":" + json + "}"), NOW, "k");
    }

    @Test
    void logsOnlyTokenGrantsLogsAndTracesButNoMetrics() throws Exception {
        Access a = vmAccess("{\"logs_account_id\":5,\"logs_project_id\":1,\"logs_extra_filters\":[\"app:nginx\"],"
                + "\"logs_extra_stream_filters\":[\"{team=\\\"dev\\\"}\"]}");
        assertFalse(a.backends().metrics(), "logs fields never grant metrics");
        LogsGrant logs = a.backends().logs();
        assertEquals(new LogsGrant(new Tenant(5, 1), List.of("app:nginx"), List.of("{team=\"dev\"}")), logs);
        assertTrue(logs.confines());
        assertSame(logs, a.backends().traces(), "without traces_* fields traces take the logs grant");
    }

    @Test
    void logsOnlyTokenInStringFormGrantsNoMetrics() throws Exception {
        Access a = vmAccess("\"{\\\"logs_project_id\\\":2}\"");
        assertFalse(a.backends().metrics());
        assertEquals(new Tenant(0, 2), a.backends().logs().tenant());
        assertFalse(a.backends().logs().confines());
    }

    @Test
    void metricsOnlyTokenGrantsNoLogsNorTraces() throws Exception {
        Access a = vmAccess("{\"metrics_account_id\":1,\"metrics_extra_filters\":[\"{a=\\\"b\\\"}\"]}");
        assertTrue(a.backends().metrics());
        assertNull(a.backends().logs(), "metrics fields never grant logs");
        assertNull(a.backends().traces());
        assertTrue(vmAccess("{}").backends().metrics(), "vmgateway's minimal grant stays a metrics grant");
        assertNull(vmAccess("{\"mode\":1}").backends().logs());
    }

    @Test
    void tokenWithBothPartsKeepsThemApart() throws Exception {
        Access a = vmAccess("{\"tenant_id\":{\"account_id\":3},\"extra_filters\":[\"{a=\\\"b\\\"}\"],"
                + "\"logs_account_id\":9,\"logs_extra_filters\":[\"app:x\"]}");
        assertTrue(a.backends().metrics());
        assertEquals(new Tenant(3, 0), a.tenant());
        assertEquals(List.of("{a=\"b\"}"), a.extraFilters());
        assertEquals(new LogsGrant(new Tenant(9, 0), List.of("app:x"), List.of()), a.backends().logs());
    }

    @Test
    void tracesFieldsOverrideLogsOnesFieldByField() throws Exception {
        Access a = vmAccess("{\"logs_account_id\":9,\"logs_project_id\":8,\"logs_extra_filters\":[\"app:x\"],"
                + "\"logs_extra_stream_filters\":[\"{s=\\\"1\\\"}\"],\"traces_account_id\":4}");
        assertEquals(new LogsGrant(new Tenant(4, 0), List.of("app:x"), List.of("{s=\"1\"}")), a.backends().traces(),
                "a traces tenant field sets the whole traces tenant; filters fall back to the logs ones");
        Access b = vmAccess("{\"logs_account_id\":9,\"logs_extra_filters\":[\"app:x\"],"
                + "\"traces_extra_filters\":[\"resource_attr:service.name:=\\\"api\\\"\"],\"traces_extra_filters_x\":1}"
                .replace(",\"traces_extra_filters_x\":1", ""));
        assertEquals(new LogsGrant(new Tenant(9, 0), List.of("resource_attr:service.name:=\"api\""), List.of()),
                b.backends().traces(), "traces filters replace the logs ones; the tenant falls back to logs");
        Access c = vmAccess("{\"logs_account_id\":9,\"logs_extra_filters\":[\"app:x\"],\"traces_extra_filters\":[]}");
        assertEquals(List.of("app:x"), c.backends().traces().extraFilters(),
                "an empty traces list does not clear the logs filters");
    }

    @Test
    void tracesOnlyTokenGrantsNoLogs() throws Exception {
        Access a = vmAccess("{\"traces_account_id\":3,\"traces_extra_filters\":[\"x:y\"]}");
        assertFalse(a.backends().metrics());
        assertNull(a.backends().logs(), "traces fields never grant logs");
        assertEquals(new LogsGrant(new Tenant(3, 0), List.of("x:y"), List.of()), a.backends().traces());
    }

    @Test
    void modeHoldsForEveryBackendAndGrantsNoMetricsByItself() throws Exception {
        Access a = vmAccess("{\"logs_account_id\":1,\"mode\":1}");
        assertEquals(Mode.READ, a.mode());
        assertFalse(a.backends().metrics(), "mode beside logs fields is no metrics grant for tenant 0:0");
        assertTrue(vmAccess("{\"mode\":1}").backends().metrics(), "alone it is vmgateway's minimal read grant");
    }
}

package io.tsgate.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tsgate.request.Label;
import io.tsgate.request.Tenant;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ClaimsParserTest {
    private static final Instant NOW = Instant.ofEpochSecond(1_900_000_000L);
    private static final String EXP = "\"exp\":1900000600";
    private final ClaimsParser parser = new ClaimsParser("", "", Duration.ZERO);

    private Access parse(String json) throws CredentialRejectedException {
        return parser.parse(ClaimsParser.readPayload(json), NOW, "kid");
    }

    private Access vmAccess(String vmAccessJson) throws CredentialRejectedException {
        return parse("{" + EXP + ",\"vm_access\":" + vmAccessJson + "}");
    }

    @Test
    void minimumVmAccessIsTenantZeroWithFullMode() throws Exception {
        Access a = vmAccess("{\"tenant_id\":{}}");
        assertEquals(new Tenant(0, 0), a.tenant());
        assertEquals(Mode.FULL, a.mode());
        assertEquals(List.of(), a.extraLabels());
        assertEquals(List.of(), a.extraFilters());
        assertEquals("", a.subject());
        assertEquals(Instant.ofEpochSecond(1_900_000_600L), a.expiresAt());
    }

    @Test
    void emptyVmAccessAsVmauthMintsItIsTenantZero() throws Exception {
        assertEquals(new Tenant(0, 0), vmAccess("{}").tenant());
    }

    @Test
    void fullVmgatewayClaimIsRead() throws Exception {
        Access a = parse("{" + EXP + ",\"sub\":\"bob\",\"vm_access\":{\"tenant_id\":{\"account_id\":4294967295,"
                + "\"project_id\":5},\"extra_labels\":{\"team\":\"dev\",\"project\":\"mobile\"},"
                + "\"extra_filters\":[\"{env=~\\\"prod|dev\\\",team!=\\\"test\\\"}\"],\"mode\":3,\"future\":[1]}}");
        assertEquals(new Tenant(4294967295L, 5), a.tenant());
        assertEquals(List.of(new Label("team", "dev"), new Label("project", "mobile")), a.extraLabels());
        assertEquals(List.of("{env=~\"prod|dev\",team!=\"test\"}"), a.extraFilters());
        assertEquals(Mode.READ_WRITE, a.mode());
        assertEquals("bob", a.subject());
        assertEquals("kid", a.keyId());
    }

    @Test
    void vmAccessAsJsonStringIsAccepted() throws Exception {
        Access a = vmAccess("\"{\\\"tenant_id\\\":{\\\"account_id\\\":1,\\\"project_id\\\":5},\\\"mode\\\":2}\"");
        assertEquals(new Tenant(1, 5), a.tenant());
        assertEquals(Mode.WRITE, a.mode());
    }

    @Test
    void vmauthMetricsFieldsWinOverVmgatewayOnes() throws Exception {
        Access a = vmAccess("{\"tenant_id\":{\"account_id\":1,\"project_id\":5},\"extra_labels\":{\"team\":\"dev\"},"
                + "\"extra_filters\":[\"{a=\\\"b\\\"}\"],\"metrics_account_id\":7,\"metrics_extra_labels\":"
                + "[\"team=ops\",\"env=prod=1\"],\"metrics_extra_filters\":[\"{c='d'}\"]}");
        assertEquals(new Tenant(7, 0), a.tenant());
        assertEquals(List.of(new Label("team", "ops"), new Label("env", "prod=1")), a.extraLabels());
        assertEquals(List.of("{c='d'}"), a.extraFilters());
    }

    @Test
    void emptyMetricsListsDoNotDropVmgatewayRestrictions() throws Exception {
        Access a = vmAccess("{\"extra_labels\":{\"team\":\"dev\"},\"metrics_extra_labels\":[],"
                + "\"extra_filters\":[\"{a=\\\"b\\\"}\"],\"metrics_extra_filters\":[]}");
        assertEquals(List.of(new Label("team", "dev")), a.extraLabels());
        assertEquals(List.of("{a=\"b\"}"), a.extraFilters());
    }

    @Test
    void metricsRightsComeFromMetricsFieldsBesideLogsOnes() throws Exception {
        Access a = vmAccess("{\"tenant_id\":{\"account_id\":3},\"mode\":1,\"logs_account_id\":9,"
                + "\"logs_extra_filters\":[\"{a=\\\"b\\\"}\"]}");
        assertEquals(new Tenant(3, 0), a.tenant());
        assertEquals(Mode.READ, a.mode());
        assertEquals(List.of(), a.extraFilters(), "logs filters are not metrics filters");
    }

    @Test
    void roleBesideAnExplicitModeIsIgnored() throws Exception {
        assertEquals(Mode.READ, vmAccess("{\"tenant_id\":{},\"role\":1,\"mode\":1}").mode());
        assertEquals(Mode.WRITE, parse("{" + EXP + ",\"role\":\"admin\",\"vm_access\":{\"mode\":2}}").mode());
    }

    @Test
    void vmauthOnlyTokenIsRead() throws Exception {
        Access a = vmAccess("{\"metrics_account_id\":1,\"metrics_project_id\":2,\"logs_account_id\":9}");
        assertEquals(new Tenant(1, 2), a.tenant());
        assertEquals(Mode.FULL, a.mode());
    }

    @ParameterizedTest(name = "[{index}] {1} is rejected naming {0}")
    @CsvSource(delimiter = '|', textBlock = """
            vm_access                             | {"exp":1900000600}
            vm_access                             | {"exp":1900000600,"vm_access":null}
            vm_access                             | {"exp":1900000600,"vm_access":[]}
            vm_access                             | {"exp":1900000600,"vm_access":"{not json"}
            vm_access                             | {"exp":1900000600,"vm_access":"[1]"}
            vm_access                             | {"exp":1900000600,"vm_access":"{\\"a\\":1,\\"a\\":2}"}
            exp                                   | {"vm_access":{}}
            exp                                   | {"exp":"1900000600","vm_access":{}}
            nbf                                   | {"exp":1900000600,"nbf":"soon","vm_access":{}}
            iat                                   | {"exp":1900000600,"iat":true,"vm_access":{}}
            sub                                   | {"exp":1900000600,"sub":42,"vm_access":{}}
            vm_access.tenant_id                   | {"exp":1900000600,"vm_access":{"tenant_id":1}}
            vm_access.tenant_id.account_id        | {"exp":1900000600,"vm_access":{"tenant_id":{"account_id":-1}}}
            vm_access.tenant_id.account_id        | {"exp":1900000600,"vm_access":{"tenant_id":{"account_id":4294967296}}}
            vm_access.tenant_id.account_id        | {"exp":1900000600,"vm_access":{"tenant_id":{"account_id":1.5}}}
            vm_access.tenant_id.account_id        | {"exp":1900000600,"vm_access":{"tenant_id":{"account_id":1.0}}}
            vm_access.tenant_id.account_id        | {"exp":1900000600,"vm_access":{"tenant_id":{"account_id":"1"}}}
            vm_access.tenant_id.account_id        | {"exp":1900000600,"vm_access":{"tenant_id":{"account_id":null}}}
            vm_access.tenant_id.project_id        | {"exp":1900000600,"vm_access":{"tenant_id":{"project_id":99999999999999999999}}}
            vm_access.metrics_account_id          | {"exp":1900000600,"vm_access":{"metrics_account_id":-5}}
            vm_access.metrics_project_id          | {"exp":1900000600,"vm_access":{"metrics_project_id":"2"}}
            vm_access.mode                        | {"exp":1900000600,"vm_access":{"mode":4}}
            vm_access.mode                        | {"exp":1900000600,"vm_access":{"mode":-1}}
            vm_access.mode                        | {"exp":1900000600,"vm_access":{"mode":"1"}}
            vm_access.mode                        | {"exp":1900000600,"vm_access":{"mode":1.0}}
            vm_access.extra_labels                | {"exp":1900000600,"vm_access":{"extra_labels":["team=dev"]}}
            vm_access.extra_labels                | {"exp":1900000600,"vm_access":{"extra_labels":{"1team":"dev"}}}
            vm_access.extra_labels                | {"exp":1900000600,"vm_access":{"extra_labels":{"te-am":"dev"}}}
            vm_access.extra_labels.team           | {"exp":1900000600,"vm_access":{"extra_labels":{"team":5}}}
            vm_access.extra_filters               | {"exp":1900000600,"vm_access":{"extra_filters":"{a=\\"b\\"}"}}
            vm_access.extra_filters               | {"exp":1900000600,"vm_access":{"extra_filters":[1]}}
            vm_access.extra_filters[0]            | {"exp":1900000600,"vm_access":{"extra_filters":["{a=\\"b\\"} or {x=~\\".*\\"}"]}}
            vm_access.extra_filters[1]            | {"exp":1900000600,"vm_access":{"extra_filters":["{a=\\"b\\"}","up"]}}
            vm_access.metrics_extra_labels        | {"exp":1900000600,"vm_access":{"metrics_extra_labels":["team"]}}
            vm_access.metrics_extra_labels        | {"exp":1900000600,"vm_access":{"metrics_extra_labels":["bad name=x"]}}
            vm_access.metrics_extra_labels        | {"exp":1900000600,"vm_access":{"metrics_extra_labels":{"team":"dev"}}}
            vm_access.metrics_extra_filters[0]    | {"exp":1900000600,"vm_access":{"metrics_extra_filters":["{}"]}}
            vm_access.logs_account_id             | {"exp":1900000600,"vm_access":{"logs_account_id":-5}}
            vm_access.logs_project_id             | {"exp":1900000600,"vm_access":{"logs_project_id":"2"}}
            vm_access.traces_account_id           | {"exp":1900000600,"vm_access":{"traces_account_id":4294967296}}
            vm_access.logs_extra_filters          | {"exp":1900000600,"vm_access":{"logs_extra_filters":"app:x"}}
            vm_access.logs_extra_filters[1]       | {"exp":1900000600,"vm_access":{"logs_extra_filters":["app:x"," "]}}
            vm_access.logs_extra_stream_filters[0] | {"exp":1900000600,"vm_access":{"logs_extra_stream_filters":[""]}}
            vm_access.traces_extra_filters        | {"exp":1900000600,"vm_access":{"traces_extra_filters":[1]}}
            vm_access.logs_extra_filter           | {"exp":1900000600,"vm_access":{"logs_account_id":1,"logs_extra_filter":["app:x"]}}
            vm_access.traces_tenant               | {"exp":1900000600,"vm_access":{"traces_tenant":"1:2"}}
            vm_access.role                        | {"exp":1900000600,"vm_access":{"tenant_id":{},"role":1}}
            vm_access.role                        | {"exp":1900000600,"vm_access":{"role":1}}
            vm_access.role                        | {"exp":1900000600,"vm_access":"{\\"tenant_id\\":{},\\"role\\":1}"}
            vm_access.role                        | {"exp":1900000600,"vm_access":{"metrics_account_id":1,"role":"read"}}
            role                                  | {"exp":1900000600,"role":1,"vm_access":{"tenant_id":{}}}
            role                                  | {"exp":1900000600,"role":"admin","vm_access":{"metrics_account_id":1}}
            """)
    void malformedClaimIsRejectedNamingIt(String claim, String json) {
        CredentialRejectedException e = assertThrows(CredentialRejectedException.class, () -> parse(json));
        assertEquals("invalid_claims", e.reason(), e.getMessage());
        assertTrue(e.getMessage().startsWith("invalid claim " + claim + ":"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"exp\":1,\"exp\":2,\"vm_access\":{}}", "[]", "{\"exp\":1} {}", "nope"})
    void payloadThatIsNotOneStrictJsonObjectIsMalformed(String json) {
        CredentialRejectedException e = assertThrows(CredentialRejectedException.class,
                () -> ClaimsParser.readPayload(json));
        assertEquals("malformed_token", e.reason());
    }

    @Test
    void fractionalExpiryIsHonoured() throws Exception {
        Access a = parse("{\"exp\":1900000000.5,\"vm_access\":{}}");
        assertEquals(Instant.ofEpochSecond(1_900_000_000L, 500_000_000), a.expiresAt());
        assertEquals("token_expired", assertThrows(CredentialRejectedException.class,
                () -> parse("{\"exp\":1900000000,\"vm_access\":{}}")).reason());
    }

    @Test
    void rejectionMessagesNeverEchoClaimValues() {
        CredentialRejectedException e = assertThrows(CredentialRejectedException.class,
                () -> vmAccess("{\"extra_labels\":{\"team\":\"s3cr3t-value\",\"x\":7}}"));
        assertTrue(!e.getMessage().contains("s3cr3t"), e.getMessage());
    }
}

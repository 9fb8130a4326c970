package io.tsgate.envoy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.rpc.Code;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tsgate.auth.Access;
import io.tsgate.auth.BearerTokenAuthenticator;
import io.tsgate.auth.CredentialRejectedException;
import io.tsgate.auth.Mode;
import io.tsgate.policy.DecisionObserver;
import io.tsgate.policy.RequestAuthorizer;
import io.tsgate.request.Label;
import io.tsgate.request.Tenant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The ext_authz service through a real gRPC stub over the in-process transport. */
class ExtAuthzServiceTest {
    private static final Access DEV = new Access(new Tenant(3, 4), List.of(new Label("team", "dev")), List.of(),
            Mode.READ, "alice", "kid-1", null);
    private Server server;
    private ManagedChannel channel;
    private AuthorizationGrpc.AuthorizationBlockingStub stub;

    @BeforeEach
    void start() throws Exception {
        RequestAuthorizer authorizer = new RequestAuthorizer(new BearerTokenAuthenticator("authorization", t -> {
            if (t.equals("logs")) {
                return DEV.withBackends(new io.tsgate.auth.BackendGrants(false,
                        new io.tsgate.auth.LogsGrant(new Tenant(8, 9), List.of("app:x"), List.of()), null));
            }
            if (!t.equals("good")) {
                throw new CredentialRejectedException("token_expired", "token expired");
            }
            return DEV;
        }), true);
        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name).directExecutor()
                .addService(new ExtAuthzService(authorizer, new DecisionObserver(new PrometheusRegistry(), 0, false),
                        Map.of("x-frame-options", "DENY")))
                .build().start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        stub = AuthorizationGrpc.newBlockingStub(channel);
    }

    @AfterEach
    void stop() {
        channel.shutdownNow();
        server.shutdownNow();
    }

    private static CheckRequest check(String method, String path, Map<String, String> headers) {
        AttributeContext.HttpRequest.Builder http = AttributeContext.HttpRequest.newBuilder()
                .setMethod(method).setPath(path).putAllHeaders(headers)
                .putHeaders(":path", path).putHeaders(":method", method).putHeaders(":authority", "vm");
        return CheckRequest.newBuilder().setAttributes(AttributeContext.newBuilder()
                .setRequest(AttributeContext.Request.newBuilder().setHttp(http))).build();
    }

    private static Map<String, HeaderValueOption> byKey(List<HeaderValueOption> hs) {
        return hs.stream().collect(Collectors.toMap(h -> h.getHeader().getKey(), h -> h));
    }

    @Test
    void allowOverwritesPathAndSetsTenantHeadersAndMetadata() {
        CheckResponse r = stub.check(check("GET", "/api/v1/query?query=up&extra_label=team=prod",
                Map.of("authorization", "Bearer good", "x-tsgate-evil", "1", "accountid", "0")));
        assertEquals(Code.OK_VALUE, r.getStatus().getCode());
        Map<String, HeaderValueOption> h = byKey(r.getOkResponse().getHeadersList());
        assertEquals("/select/3:4/prometheus/api/v1/query?query=up&extra_label=team%3Ddev",
                h.get(":path").getHeader().getValue());
        assertEquals(HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD, h.get(":path").getAppendAction());
        // Envoy v1.34 reads only append in OkHttpResponse.headers (ext_authz_grpc_impl.cc): spelled out, not implied.
        h.values().forEach(o -> assertTrue(o.hasAppend() && !o.getAppend().getValue(), o.toString()));
        assertEquals("3:4", h.get("x-tsgate-tenant").getHeader().getValue());
        assertEquals("read", h.get("x-tsgate-class").getHeader().getValue());
        assertTrue(r.getOkResponse().getHeadersToRemoveList().containsAll(List.of("authorization", "x-tsgate-evil", "accountid")));
        assertEquals("3:4", r.getDynamicMetadata().getFieldsOrThrow("tenant").getStringValue());
        assertEquals("alice", r.getDynamicMetadata().getFieldsOrThrow("subject").getStringValue());
        assertEquals("kid-1", r.getDynamicMetadata().getFieldsOrThrow("key_id").getStringValue());
    }

    @Test
    void logsAllowSetsTheTenantHeadersFromTheRoutesBackend() {
        CheckRequest base = check("GET", "/select/logsql/query?query=x", Map.of("authorization", "Bearer logs",
                "accountid", "1"));
        CheckResponse r = stub.check(base.toBuilder().setAttributes(base.getAttributes().toBuilder()
                .putContextExtensions("backend", "logs")).build());
        assertEquals(Code.OK_VALUE, r.getStatus().getCode());
        Map<String, HeaderValueOption> h = byKey(r.getOkResponse().getHeadersList());
        assertEquals("8", h.get("accountid").getHeader().getValue());
        assertEquals("9", h.get("projectid").getHeader().getValue());
        assertEquals(HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD, h.get("accountid").getAppendAction());
        h.values().forEach(o -> assertTrue(o.hasAppend() && !o.getAppend().getValue(), o.toString()));
        assertFalse(r.getOkResponse().getHeadersToRemoveList().contains("accountid"), "set, not removed");
        assertEquals("/select/logsql/query?query=x&extra_filters=app%3Ax", h.get(":path").getHeader().getValue());
        assertEquals("8:9", h.get("x-tsgate-tenant").getHeader().getValue());
        assertEquals("logs", r.getDynamicMetadata().getFieldsOrThrow("backend").getStringValue());
        // The same request on a route without the extension is a metrics request: this token has none.
        CheckResponse m = stub.check(base);
        assertEquals(403, m.getDeniedResponse().getStatus().getCodeValue());
        assertEquals("no_metrics_grant", m.getStatus().getMessage());
    }

    @Test
    void expiredTokenGets401WithJsonBodyAndChallenge() {
        CheckResponse r = stub.check(check("GET", "/api/v1/query", Map.of("authorization", "Bearer stale")));
        assertEquals(Code.UNAUTHENTICATED_VALUE, r.getStatus().getCode());
        assertEquals(401, r.getDeniedResponse().getStatus().getCodeValue());
        Map<String, HeaderValueOption> h = byKey(r.getDeniedResponse().getHeadersList());
        assertEquals("Bearer error=\"invalid_token\"", h.get("www-authenticate").getHeader().getValue());
        assertEquals("DENY", h.get("x-frame-options").getHeader().getValue());
        h.values().forEach(o -> assertTrue(o.hasAppend() && !o.getAppend().getValue(), o.toString()));
        assertEquals("{\"status\":\"error\",\"errorType\":\"unauthorized\",\"error\":\"token expired\"}",
                r.getDeniedResponse().getBody());
        assertFalse(r.getDeniedResponse().getBody().contains("stale"));
    }

    @Test
    void wrongModeGetsPermissionDenied() {
        CheckResponse r = stub.check(check("POST", "/api/v1/write", Map.of("authorization", "Bearer good")));
        assertEquals(Code.PERMISSION_DENIED_VALUE, r.getStatus().getCode());
        assertEquals(403, r.getDeniedResponse().getStatus().getCodeValue());
    }

    @Test
    void formBodyForwardedAsRawBodyIsInspected() {
        CheckRequest base = check("POST", "/api/v1/query", Map.of("authorization", "Bearer good",
                "content-type", "application/x-www-form-urlencoded", "content-length", "33"));
        CheckRequest withBody = base.toBuilder().setAttributes(base.getAttributes().toBuilder().setRequest(
                base.getAttributes().getRequest().toBuilder().setHttp(base.getAttributes().getRequest().getHttp()
                        .toBuilder().setRawBody(ByteString.copyFromUtf8("query=up&extra_filters={team=~\"\"}"))))).build();
        CheckResponse r = stub.check(withBody);
        assertEquals(Code.INVALID_ARGUMENT_VALUE, r.getStatus().getCode());
        assertEquals(400, r.getDeniedResponse().getStatus().getCodeValue());
    }

    @Test
    void formBodyNotForwardedIsDenied() {
        CheckResponse r = stub.check(check("POST", "/api/v1/query", Map.of("authorization", "Bearer good",
                "content-type", "application/x-www-form-urlencoded", "content-length", "8")));
        assertEquals(400, r.getDeniedResponse().getStatus().getCodeValue());
        assertTrue(r.getDeniedResponse().getBody().contains("with_request_body"));
    }
}

package io.tsgate.envoy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import com.google.rpc.Code;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.grpc.stub.StreamObserver;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tsgate.auth.Access;
import io.tsgate.auth.BearerTokenAuthenticator;
import io.tsgate.auth.Mode;
import io.tsgate.policy.DecisionObserver;
import io.tsgate.policy.RequestAuthorizer;
import io.tsgate.request.RequestClass;
import io.tsgate.request.Tenant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The allow response's per-identity parts (tenant header, metadata) are prepared once per identity and looked up by
 * the identity instance: with far more identities than slots, every response still carries its own identity.
 */
class PreparedIdentitiesTest {
    private static final int IDENTITIES = 3000;

    private static Access identity(int i) {
        return new Access(new Tenant(i, i % 7), List.of(), List.of(), Mode.FULL, "sub-" + i, "kid-" + i, null);
    }

    private static CheckResponse check(ExtAuthzService service, String method, String path, String token,
                                       boolean forged) {
        AttributeContext.HttpRequest.Builder http = AttributeContext.HttpRequest.newBuilder()
                .setMethod(method).setPath(path).putHeaders("authorization", "Bearer " + token)
                .putHeaders(":path", path);
        if (forged) {
            http.putHeaders("x-tsgate-tenant-id", "0:0");
        }
        CheckRequest req = CheckRequest.newBuilder().setAttributes(AttributeContext.newBuilder()
                .setRequest(AttributeContext.Request.newBuilder().setHttp(http))).build();
        List<CheckResponse> out = new ArrayList<>();
        service.check(req, new StreamObserver<>() {
            @Override
            public void onNext(CheckResponse value) {
                out.add(value);
            }

            @Override
            public void onError(Throwable t) {
                throw new AssertionError(t);
            }

            @Override
            public void onCompleted() {
            }
        });
        assertEquals(1, out.size());
        return out.get(0);
    }

    private static String header(CheckResponse r, String key) {
        return r.getOkResponse().getHeadersList().stream().filter(h -> h.getHeader().getKey().equals(key))
                .map(h -> h.getHeader().getValue()).reduce((a, b) -> a + "|" + b).orElse(null);
    }

    @Test
    void everyResponseCarriesItsOwnIdentityWhenIdentitiesShareSlots() {
        Access[] ids = new Access[IDENTITIES];
        for (int i = 0; i < IDENTITIES; i++) {
            ids[i] = identity(i);
        }
        RequestAuthorizer authorizer = new RequestAuthorizer(new BearerTokenAuthenticator("authorization",
                t -> ids[Integer.parseInt(t.substring(1))]), false);
        ExtAuthzService service = new ExtAuthzService(authorizer,
                new DecisionObserver(new PrometheusRegistry(), 0, false), Map.of());
        Random r = new Random(7);
        for (int k = 0; k < 20_000; k++) {
            int i = r.nextInt(IDENTITIES);
            boolean write = r.nextBoolean();
            boolean forged = r.nextInt(4) == 0;
            CheckResponse resp = write ? check(service, "POST", "/api/v1/write", "t" + i, forged)
                    : check(service, "GET", "/api/v1/query?query=up", "t" + i, forged);
            List<String> removed = forged ? List.of("authorization", "accountid", "projectid", "x-tsgate-tenant-id")
                    : List.of("authorization", "accountid", "projectid");
            assertEquals(removed, resp.getOkResponse().getHeadersToRemoveList());
            String tenant = i + ":" + (i % 7);
            String cls = (write ? RequestClass.WRITE : RequestClass.READ).label();
            assertEquals(Code.OK_VALUE, resp.getStatus().getCode());
            assertEquals(tenant, header(resp, "x-tsgate-tenant"));
            assertEquals(cls, header(resp, "x-tsgate-class"));
            assertEquals(write ? "/api/v1/write" : "/api/v1/query?query=up", header(resp, ":path"));
            assertEquals(tenant, resp.getDynamicMetadata().getFieldsOrThrow(AuthzMetadata.TENANT).getStringValue());
            assertEquals("sub-" + i, resp.getDynamicMetadata().getFieldsOrThrow(AuthzMetadata.SUBJECT).getStringValue());
            assertEquals(cls, resp.getDynamicMetadata().getFieldsOrThrow(AuthzMetadata.CLASS).getStringValue());
            assertEquals("kid-" + i, resp.getDynamicMetadata().getFieldsOrThrow(AuthzMetadata.KEY_ID).getStringValue());
            assertEquals(List.of(":path", "x-tsgate-tenant", "x-tsgate-class"), resp.getOkResponse().getHeadersList()
                    .stream().map(h -> h.getHeader().getKey()).toList());
            resp.getOkResponse().getHeadersList().forEach(h -> assertEquals(
                    HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD, h.getAppendAction()));
        }
    }

    @Test
    void anEntryIsReusedOnlyForTheSameInstance() {
        PreparedIdentities table = new PreparedIdentities(List.of("authorization"));
        Access a = identity(1);
        Access equalButOther = identity(1);
        PreparedIdentities.Entry first = table.of(a);
        assertSame(first, table.of(a));
        assertEquals(a, equalButOther);
        PreparedIdentities.Entry other = table.of(equalButOther);
        assertEquals(first.tenantHeader(), other.tenantHeader());
        assertNotSame(first, other);
        for (RequestClass c : RequestClass.values()) {
            assertEquals(c.label(), first.metadata(c).getFieldsOrThrow(AuthzMetadata.CLASS).getStringValue());
        }
    }
}

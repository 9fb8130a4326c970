package io.tsgate.envoy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.rpc.Code;
import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tsgate.auth.Access;
import io.tsgate.auth.BearerTokenAuthenticator;
import io.tsgate.auth.CredentialRejectedException;
import io.tsgate.auth.Mode;
import io.tsgate.limits.LimitVerdict;
import io.tsgate.limits.Limiter;
import io.tsgate.policy.DecisionObserver;
import io.tsgate.policy.RequestAuthorizer;
import io.tsgate.request.Tenant;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A Check of a write asks whether its body will be counted. Envoy says so per route through the context extension
 * {@code body_counting} (set from {@code ExtAuthzPerRoute.check_settings.context_extensions}, which no client input
 * reaches); without it nothing counts the body, and a write of a tenant with row or series limits is refused.
 */
class ExtAuthzWriteCountingTest {
    private static final Tenant LIMITED = new Tenant(1, 0);
    private static final Tenant FREE = new Tenant(2, 0);
    private static final String WRITE = "/api/v1/import/prometheus";

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private Server server;
    private ManagedChannel channel;

    /** Rows and series limits for {@link #LIMITED} only; a write's body is never charged at Check. */
    private static final class WriteLimits implements Limiter {
        @Override
        public CompletionStage<LimitVerdict> acquireQuery(Tenant tenant) {
            return CompletableFuture.completedFuture(LimitVerdict.UNLIMITED);
        }

        @Override
        public CompletionStage<LimitVerdict> admitWrite(Tenant tenant, long rows, long[] seriesHashes) {
            throw new AssertionError("a Check sees no body to charge");
        }

        @Override
        public boolean countsWrites(Tenant tenant) {
            return tenant.equals(LIMITED);
        }
    }

    private AuthorizationGrpc.AuthorizationBlockingStub start(String extProcFlag) throws Exception {
        RequestAuthorizer authorizer = new RequestAuthorizer(new BearerTokenAuthenticator("authorization", t -> {
            Tenant tenant = switch (t) {
                case "limited", "logs" -> LIMITED;
                case "free" -> FREE;
                default -> throw new CredentialRejectedException("token_invalid", "unknown token");
            };
            Access access = new Access(tenant, List.of(), List.of(), Mode.FULL, t, "", null);
            return t.equals("logs") ? access.withBackends(new io.tsgate.auth.BackendGrants(true,
                    new io.tsgate.auth.LogsGrant(LIMITED, List.of(), List.of()), null)) : access;
        }), false, new WriteLimits());
        io.tsgate.policy.BodyCounting byDefault = "ext_proc".equals(extProcFlag)
                ? io.tsgate.policy.BodyCounting.EXT_PROC : io.tsgate.policy.BodyCounting.NONE;
        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name).directExecutor()
                .addService(extProcFlag == null
                        ? new ExtAuthzService(authorizer, new DecisionObserver(registry, 0, false), Map.of())
                        : new ExtAuthzService(authorizer, new DecisionObserver(registry, 0, false), Map.of(), byDefault))
                .build().start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        return AuthorizationGrpc.newBlockingStub(channel);
    }

    @AfterEach
    void stop() {
        channel.shutdownNow();
        server.shutdownNow();
    }

    private static CheckRequest check(String method, String path, String token, Map<String, String> extensions,
                                      Map<String, String> headers) {
        AttributeContext.HttpRequest.Builder http = AttributeContext.HttpRequest.newBuilder()
                .setMethod(method).setPath(path).putHeaders("authorization", "Bearer " + token)
                .putHeaders("content-type", "text/plain").putAllHeaders(headers);
        return CheckRequest.newBuilder().setAttributes(AttributeContext.newBuilder()
                .setRequest(AttributeContext.Request.newBuilder().setHttp(http))
                .putAllContextExtensions(extensions)).build();
    }

    private static CheckRequest write(String token, Map<String, String> extensions) {
        return check("POST", WRITE, token, extensions, Map.of());
    }

    private String scrape() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new PrometheusTextFormatWriter(false).write(out, registry.scrape());
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void limitedWriteWithoutTheSignalIsRefusedAndSaysWhy() throws Exception {
        CheckResponse r = start(null).check(write("limited", Map.of()));
        assertEquals(Code.PERMISSION_DENIED_VALUE, r.getStatus().getCode());
        assertEquals(403, r.getDeniedResponse().getStatus().getCodeValue());
        assertEquals("write_not_countable", r.getStatus().getMessage());
        String body = r.getDeniedResponse().getBody();
        assertTrue(body.contains("body_counting") && body.contains("-ratelimit.uncountableWrites"), body);
        assertTrue(scrape().contains("tsgate_decisions_total{adapter=\"ext_authz\",class=\"write\",decision=\"deny\","
                + "reason=\"write_not_countable\"} 1"), "counted under class write");
    }

    @Test
    void limitedWriteWithTheSignalIsAllowedForExtProcToCount() throws Exception {
        CheckResponse r = start(null).check(write("limited", Map.of("body_counting", "ext_proc")));
        assertEquals(Code.OK_VALUE, r.getStatus().getCode(), r.getStatus().getMessage());
    }

    @Test
    void unlimitedTenantsWriteNeedsNoSignal() throws Exception {
        assertEquals(Code.OK_VALUE, start(null).check(write("free", Map.of())).getStatus().getCode());
    }

    @Test
    void readsOfALimitedTenantAreUnchanged() throws Exception {
        CheckResponse r = start(null).check(check("GET", "/api/v1/query?query=up", "limited", Map.of(), Map.of()));
        assertEquals(Code.OK_VALUE, r.getStatus().getCode(), r.getStatus().getMessage());
    }

    /** A route value other than exactly ext_proc promises nothing; "none" overrides the flag. */
    @ParameterizedTest
    @CsvSource({"none", "EXT_PROC", "'ext_proc '", "extproc", "''"})
    void onlyTheExactValuePromisesACount(String value) throws Exception {
        CheckResponse r = start("ext_proc").check(write("limited", Map.of("body_counting", value)));
        assertEquals("write_not_countable", r.getStatus().getMessage(), "value \"" + value + "\"");
    }

    @Test
    void clientHeadersCannotForgeTheSignal() throws Exception {
        AuthorizationGrpc.AuthorizationBlockingStub stub = start(null);
        for (String header : List.of("body_counting", "body-counting", "x-tsgate-body-counting", "x-envoy-body-counting")) {
            CheckResponse r = stub.check(check("POST", WRITE, "limited", Map.of(), Map.of(header, "ext_proc")));
            assertEquals("write_not_countable", r.getStatus().getMessage(), header);
        }
        CheckResponse r = stub.check(check("POST", WRITE + "?body_counting=ext_proc", "limited", Map.of(), Map.of()));
        assertEquals("write_not_countable", r.getStatus().getMessage(), "query parameter");
    }

    @Test
    void theFlagStandsInForRoutesThatCannotSayIt() throws Exception {
        AuthorizationGrpc.AuthorizationBlockingStub stub = start("ext_proc");
        assertEquals(Code.OK_VALUE, stub.check(write("limited", Map.of())).getStatus().getCode());
    }

    @Test
    void anUncountableFormatIsRefusedEvenWhenExtProcFollows() throws Exception {
        CheckResponse r = start(null).check(check("POST", "/api/v1/import/native", "limited",
                Map.of("body_counting", "ext_proc"), Map.of()));
        assertEquals("write_format_uncountable", r.getStatus().getMessage());
        assertEquals(403, r.getDeniedResponse().getStatus().getCodeValue());
    }

    /** Limits count metrics samples only: a logs write of a tenant with row limits is not asked for a body count. */
    @Test
    void aLogsWriteOfALimitedTenantIsNotRefusedForItsBody() throws Exception {
        AuthorizationGrpc.AuthorizationBlockingStub stub = start(null);
        CheckResponse logs = stub.check(check("POST", "/insert/jsonline", "logs", Map.of("backend", "logs"), Map.of()));
        assertEquals(Code.OK_VALUE, logs.getStatus().getCode(), logs.getStatus().getMessage());
        CheckResponse metrics = stub.check(write("logs", Map.of()));
        assertEquals("write_not_countable", metrics.getStatus().getMessage(), "the same tenant's metrics write");
    }
}

package io.tsgate.envoy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import io.grpc.stub.StreamObserver;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tsgate.limits.LimitVerdict;
import io.tsgate.limits.Limiter;
import io.tsgate.policy.DecisionObserver;
import io.tsgate.policy.RequestAuthorizer;
import io.tsgate.request.Tenant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The queries limit in the Check path, with a limiter whose answer arrives later from another thread (as redis). */
class ExtAuthzRateLimitTest {

    /** Hands each query's stage to the test, which completes it when and where it likes. */
    private final LinkedBlockingQueue<CompletableFuture<LimitVerdict>> pending = new LinkedBlockingQueue<>();
    private final AtomicReference<Tenant> asked = new AtomicReference<>();
    private Server server;
    private ManagedChannel channel;
    private final PrometheusRegistry registry = new PrometheusRegistry();

    @BeforeEach
    void start() throws Exception {
        Limiter limiter = new Limiter() {
            @Override
            public CompletionStage<LimitVerdict> acquireQuery(Tenant tenant) {
                asked.set(tenant);
                CompletableFuture<LimitVerdict> f = new CompletableFuture<>();
                pending.add(f);
                return f;
            }

            @Override
            public CompletionStage<LimitVerdict> admitWrite(Tenant tenant, long rows, long[] seriesHashes) {
                throw new AssertionError("writes are not counted in ext_authz");
            }

            @Override
            public boolean countsWrites(Tenant tenant) {
                return false;
            }
        };
        RequestAuthorizer authorizer = new RequestAuthorizer(new io.tsgate.auth.OpenAccessAuthenticator("authorization"), false, limiter);
        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name).directExecutor()
                .addService(new ExtAuthzService(authorizer, new DecisionObserver(registry, 0, false),
                        Map.of()))
                .build().start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    }

    @AfterEach
    void stop() {
        channel.shutdownNow();
        server.shutdownNow();
    }

    private static CheckRequest check(String method, String path) {
        AttributeContext.HttpRequest.Builder http = AttributeContext.HttpRequest.newBuilder()
                .setMethod(method).setPath(path).putHeaders(":path", path).putHeaders(":method", method);
        return CheckRequest.newBuilder().setAttributes(AttributeContext.newBuilder()
                .setRequest(AttributeContext.Request.newBuilder().setHttp(http))).build();
    }

    /** Sends a Check; the returned future completes when the response arrives. */
    private CompletableFuture<CheckResponse> send(CheckRequest req) {
        CompletableFuture<CheckResponse> f = new CompletableFuture<>();
        AuthorizationGrpc.newStub(channel).check(req, new StreamObserver<>() {
            @Override
            public void onNext(CheckResponse value) {
                f.complete(value);
            }

            @Override
            public void onError(Throwable t) {
                f.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
            }
        });
        return f;
    }

    @Test
    void checkReturnsWithoutWaitingAndAnswersWhenTheLimiterDoes() throws Exception {
        CompletableFuture<CheckResponse> response = send(check("GET", "/api/v1/query?query=up"));
        CompletableFuture<LimitVerdict> stage = pending.poll(5, TimeUnit.SECONDS);
        assertNotNull(stage, "the limiter was asked");
        assertFalse(response.isDone(), "no response before the limiter answers, and the call did not block");
        Thread other = new Thread(() -> stage.complete(new LimitVerdict(false, "queries", 10, 0, 42)));
        other.start();
        CheckResponse r = response.get(5, TimeUnit.SECONDS);
        assertEquals(new Tenant(0, 0), asked.get());
        assertEquals(Code.RESOURCE_EXHAUSTED_VALUE, r.getStatus().getCode());
        assertEquals("limit_queries", r.getStatus().getMessage());
        assertEquals(429, r.getDeniedResponse().getStatus().getCodeValue());
        Map<String, String> h = r.getDeniedResponse().getHeadersList().stream()
                .collect(Collectors.toMap(x -> x.getHeader().getKey(), x -> x.getHeader().getValue()));
        assertEquals("42", h.get("retry-after"));
        assertEquals("10", h.get("ratelimit-limit"));
        assertEquals("0", h.get("ratelimit-remaining"));
        assertEquals("42", h.get("ratelimit-reset"));
        assertTrue(r.getDeniedResponse().getBody().contains("\"errorType\":\"too_many_requests\""));
        for (HeaderValueOption o : r.getDeniedResponse().getHeadersList()) {
            assertEquals(HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD, o.getAppendAction());
        }
    }

    @Test
    void allowedVerdictLetsTheReadThrough() throws Exception {
        CompletableFuture<CheckResponse> response = send(check("GET", "/api/v1/query?query=up"));
        pending.poll(5, TimeUnit.SECONDS).complete(new LimitVerdict(true, "queries", 10, 9, 42));
        CheckResponse r = response.get(5, TimeUnit.SECONDS);
        assertEquals(Code.OK_VALUE, r.getStatus().getCode());
        assertTrue(r.hasOkResponse());
    }

    @Test
    void writesAreNotCountedAsQueries() throws Exception {
        CheckResponse r = send(check("POST", "/api/v1/write")).get(5, TimeUnit.SECONDS);
        assertEquals(Code.OK_VALUE, r.getStatus().getCode());
        assertNull(pending.poll());
    }

    @Test
    void aFailedLimiterStageIsRefusedNotDropped() throws Exception {
        CompletableFuture<CheckResponse> response = send(check("GET", "/api/v1/labels"));
        pending.poll(5, TimeUnit.SECONDS).completeExceptionally(new IllegalStateException("boom"));
        CheckResponse r = response.get(5, TimeUnit.SECONDS);
        assertEquals(429, r.getDeniedResponse().getStatus().getCodeValue());
        assertEquals("limit_backend_unavailable", r.getStatus().getMessage());
    }

    private double decisions(String cls, String reason) {
        return registry.scrape().stream()
                .filter(m -> m.getMetadata().getPrometheusName().equals("tsgate_decisions"))
                .flatMap(m -> ((io.prometheus.metrics.model.snapshots.CounterSnapshot) m).getDataPoints().stream())
                .filter(d -> d.getLabels().get("class").equals(cls) && d.getLabels().get("reason").equals(reason))
                .mapToDouble(io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot::getValue)
                .sum();
    }

    /** A read refused by its limit, or by a limiter that failed, is a read in the decision metric (it said "none"). */
    @Test
    void aReadRefusedByTheLimiterIsCountedAsARead() throws Exception {
        CompletableFuture<CheckResponse> over = send(check("GET", "/api/v1/query?query=up"));
        pending.poll(5, TimeUnit.SECONDS).complete(new LimitVerdict(false, "queries", 10, 0, 42));
        assertEquals(429, over.get(5, TimeUnit.SECONDS).getDeniedResponse().getStatus().getCodeValue());
        CompletableFuture<CheckResponse> failed = send(check("GET", "/api/v1/labels"));
        pending.poll(5, TimeUnit.SECONDS).completeExceptionally(new IllegalStateException("boom"));
        assertEquals(429, failed.get(5, TimeUnit.SECONDS).getDeniedResponse().getStatus().getCodeValue());
        assertEquals(1.0, decisions("read", "limit_queries"));
        assertEquals(1.0, decisions("read", "limit_backend_unavailable"));
        assertEquals(0.0, decisions("none", "limit_queries"));
        assertEquals(0.0, decisions("none", "limit_backend_unavailable"));
    }

    @Test
    void aCheckCancelledWhileTheLimiterAnswersIsStillRecorded() throws Exception {
        io.grpc.ClientCall<CheckRequest, CheckResponse> call = channel.newCall(AuthorizationGrpc.getCheckMethod(),
                io.grpc.CallOptions.DEFAULT);
        CompletableFuture<io.grpc.Status> closed = new CompletableFuture<>();
        call.start(new io.grpc.ClientCall.Listener<>() {
            @Override
            public void onClose(io.grpc.Status status, io.grpc.Metadata trailers) {
                closed.complete(status);
            }
        }, new io.grpc.Metadata());
        call.sendMessage(check("GET", "/api/v1/query?query=up"));
        call.halfClose();
        call.request(1);
        CompletableFuture<LimitVerdict> stage = pending.poll(5, TimeUnit.SECONDS);
        call.cancel("Envoy's timeout", null);
        assertEquals(io.grpc.Status.Code.CANCELLED, closed.get(5, TimeUnit.SECONDS).getCode());
        stage.complete(new LimitVerdict(false, "queries", 1, 0, 5));
        double denied = registry.scrape().stream()
                .filter(m -> m.getMetadata().getPrometheusName().equals("tsgate_decisions"))
                .flatMap(m -> ((io.prometheus.metrics.model.snapshots.CounterSnapshot) m).getDataPoints().stream())
                .filter(d -> d.getLabels().get("reason").equals("limit_queries"))
                .mapToDouble(io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot::getValue)
                .sum();
        assertEquals(1.0, denied);
    }
}

package io.tsgate.envoy;

import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.grpc.stub.StreamObserver;
import io.tsgate.policy.Decision;
import io.tsgate.policy.DecisionObserver;
import io.tsgate.policy.RequestAuthorizer;
import io.tsgate.request.RequestAttributes;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * {@code envoy.service.auth.v3.Authorization/Check}. Runs on the gRPC transport thread (direct executor): the
 * decision does no I/O, so handing calls to another pool would only add latency. A rate-limit check that needs I/O
 * (redis) returns an incomplete stage; the response is then sent from the thread that completes it, never by
 * waiting here.
 */
public final class ExtAuthzService extends AuthorizationGrpc.AuthorizationImplBase {
    private final RequestAuthorizer authorizer;
    private final DecisionObserver observer;
    private final CheckResponses responses;

    public ExtAuthzService(RequestAuthorizer authorizer, DecisionObserver observer, Map<String, String> securityHeaders) {
        this.authorizer = authorizer;
        this.observer = observer;
        this.responses = new CheckResponses(securityHeaders, authorizer.alwaysRemovedHeaders());
    }

    @Override
    public void check(CheckRequest request, StreamObserver<CheckResponse> out) {
        long start = System.nanoTime();
        RequestAttributes attrs = CheckRequests.toAttributes(request);
        if (!authorizer.countsQueries()) {
            respond(attrs, authorizer.decide(attrs), out, start); // no limiter: nothing to wait for, no stage to build
            return;
        }
        CompletableFuture<Decision> stage = authorizer.decideLimited(attrs).toCompletableFuture();
        if (stage.isDone()) {
            respond(attrs, stage.join(), out, start);
        } else {
            stage.thenAccept(d -> respond(attrs, d, out, start));
        }
    }

    private void respond(RequestAttributes attrs, Decision decision, StreamObserver<CheckResponse> out, long start) {
        // A unary call Envoy cancelled meanwhile (its ext_authz timeout) ignores these; the decision is still recorded.
        out.onNext(responses.of(decision));
        out.onCompleted();
        observer.record("ext_authz", attrs, decision, start);
    }
}

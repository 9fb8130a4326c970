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

/**
 * {@code envoy.service.auth.v3.Authorization/Check}. Runs on the gRPC transport thread (direct executor): the
 * decision does no I/O, so handing calls to another pool would only add latency.
 */
public final class ExtAuthzService extends AuthorizationGrpc.AuthorizationImplBase {
    private final RequestAuthorizer authorizer;
    private final DecisionObserver observer;
    private final CheckResponses responses;

    public ExtAuthzService(RequestAuthorizer authorizer, DecisionObserver observer, Map<String, String> securityHeaders) {
        this.authorizer = authorizer;
        this.observer = observer;
        this.responses = new CheckResponses(securityHeaders);
    }

    @Override
    public void check(CheckRequest request, StreamObserver<CheckResponse> out) {
        long start = System.nanoTime();
        RequestAttributes attrs = CheckRequests.toAttributes(request);
        Decision d = authorizer.decide(attrs);
        out.onNext(responses.of(d));
        out.onCompleted();
        observer.record("ext_authz", attrs, d, start);
    }
}

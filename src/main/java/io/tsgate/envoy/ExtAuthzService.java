package io.tsgate.envoy;

import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.grpc.BindableService;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.tsgate.policy.BodyCounting;
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
 *
 * <p>Whether tsgate's ext_proc counts a write's body after this Check is the route's context extension
 * {@value BodyCounting#CONTEXT_EXTENSION} ({@code ext_proc}), else {@code -extAuthz.bodyCounting} (default: nothing
 * does): a client cannot set it.
 *
 * <p>The method is Envoy's {@code Check} bound with tsgate's own marshallers on both sides: a request is read from
 * its bytes by {@link CheckRequestReader} (protobuf's generated parser for anything that reader declines), and the
 * answer is a {@link CheckReply}, so a usual allow goes out as bytes prepared per identity.
 */
public final class ExtAuthzService implements BindableService {
    private final RequestAuthorizer authorizer;
    private final DecisionObserver observer;
    private final CheckResponses responses;
    private final BodyCounting routeDefault;

    /** Routes without the context extension have no body counting after the Check. */
    public ExtAuthzService(RequestAuthorizer authorizer, DecisionObserver observer, Map<String, String> securityHeaders) {
        this(authorizer, observer, securityHeaders, BodyCounting.NONE);
    }

    /** @param routeDefault {@code -extAuthz.bodyCounting}: what a route without the context extension has */
    public ExtAuthzService(RequestAuthorizer authorizer, DecisionObserver observer, Map<String, String> securityHeaders,
                           BodyCounting routeDefault) {
        this.authorizer = authorizer;
        this.observer = observer;
        this.responses = new CheckResponses(securityHeaders, authorizer.alwaysRemovedHeaders());
        this.routeDefault = routeDefault;
    }

    @Override
    public ServerServiceDefinition bindService() {
        MethodDescriptor<CheckRequest, CheckResponse> generated = AuthorizationGrpc.getCheckMethod();
        MethodDescriptor<RequestAttributes, CheckReply> check = generated.toBuilder(CheckRequests.marshaller(new HeaderNames()),
                CheckReply.MARSHALLER).build();
        ServiceDescriptor service = ServiceDescriptor.newBuilder(AuthorizationGrpc.SERVICE_NAME)
                .setSchemaDescriptor(AuthorizationGrpc.getServiceDescriptor().getSchemaDescriptor())
                .addMethod(check).build();
        return ServerServiceDefinition.builder(service)
                .addMethod(check, ServerCalls.asyncUnaryCall(this::answer))
                .build();
    }

    /** One Check answered as a message: what the gRPC method sends, parsed (for callers outside gRPC, and tests). */
    public void check(CheckRequest request, StreamObserver<CheckResponse> out) {
        answer(CheckRequests.toAttributes(request), new StreamObserver<>() {
            @Override
            public void onNext(CheckReply reply) {
                out.onNext(reply.message());
            }

            @Override
            public void onError(Throwable t) {
                out.onError(t);
            }

            @Override
            public void onCompleted() {
                out.onCompleted();
            }
        });
    }

    private void answer(RequestAttributes attrs, StreamObserver<CheckReply> out) {
        long start = System.nanoTime();
        if (!authorizer.limits()) {
            respond(attrs, authorizer.decide(attrs), out, start); // no limits: nothing to wait for, no stage to build
            return;
        }
        BodyCounting counting = BodyCounting.fromContextExtension(
                attrs.contextExtensions().get(BodyCounting.CONTEXT_EXTENSION), routeDefault);
        CompletableFuture<Decision> stage = authorizer.decideLimited(attrs, counting).toCompletableFuture();
        if (stage.isDone()) {
            respond(attrs, stage.join(), out, start);
        } else {
            stage.thenAccept(d -> respond(attrs, d, out, start));
        }
    }

    private void respond(RequestAttributes attrs, Decision decision, StreamObserver<CheckReply> out, long start) {
        // A unary call Envoy cancelled meanwhile (its ext_authz timeout) ignores these; the decision is still recorded.
        out.onNext(responses.of(decision));
        out.onCompleted();
        observer.record("ext_authz", attrs, decision, start);
    }
}

package io.tsgate.bench;

import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.grpc.stub.StreamObserver;
import java.util.function.Consumer;

/** The response side of an in-process Check call in benchmarks: hands each response on, fails on an error. */
final class CheckSink {
    private CheckSink() {
    }

    static StreamObserver<CheckResponse> of(Consumer<CheckResponse> next) {
        return new StreamObserver<>() {
            @Override
            public void onNext(CheckResponse value) {
                next.accept(value);
            }

            @Override
            public void onError(Throwable t) {
                throw new IllegalStateException(t);
            }

            @Override
            public void onCompleted() {
            }
        };
    }
}

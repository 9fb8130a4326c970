package io.tsgate.bench;

import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.envoyproxy.envoy.service.auth.v3.OkHttpResponse;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;

/**
 * The benchmark's baseline: an ext_authz server that allows everything, answering on the transport thread. Its
 * throughput is the most any Check server built on the same gRPC stack can reach on this machine, so tsgate's
 * figure is reported as a ratio of it. Usage: {@code NoopCheckServer PORT} (binds 127.0.0.1 only).
 */
public final class NoopCheckServer extends AuthorizationGrpc.AuthorizationImplBase {

    private static final CheckResponse ALLOW = CheckResponse.newBuilder()
            .setStatus(com.google.rpc.Status.newBuilder().setCode(io.grpc.Status.Code.OK.value()))
            .setOkResponse(OkHttpResponse.getDefaultInstance())
            .build();

    @Override
    public void check(CheckRequest request, StreamObserver<CheckResponse> responses) {
        responses.onNext(ALLOW);
        responses.onCompleted();
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: NoopCheckServer PORT");
            System.exit(2);
        }
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", Integer.parseInt(args[0])))
                .directExecutor()
                .addService(new NoopCheckServer())
                .build()
                .start();
        System.out.println("noop Check server listening on 127.0.0.1:" + server.getPort());
        Runtime.getRuntime().addShutdownHook(new Thread(server::shutdownNow, "noop-shutdown"));
        server.awaitTermination();
    }
}

package io.tsgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.envoyproxy.envoy.service.ext_proc.v3.BodyResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The ext_proc stand-in fails closed (failure_mode_allow: false) as Envoy does: 500, nothing forwarded. */
class ExtProcStandInTest {
    private Server server;
    private ManagedChannel channel;

    @AfterEach
    void stop() {
        if (channel != null) {
            channel.shutdownNow();
        }
        if (server != null) {
            server.shutdownNow();
        }
    }

    private ExtProcStandIn processor(Function<ProcessingRequest, ProcessingResponse> reply) throws Exception {
        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name).directExecutor().addService(new ExternalProcessorGrpc.ExternalProcessorImplBase() {
            @Override
            public StreamObserver<ProcessingRequest> process(StreamObserver<ProcessingResponse> out) {
                return new StreamObserver<>() {
                    @Override
                    public void onNext(ProcessingRequest r) {
                        ProcessingResponse p = reply.apply(r);
                        if (p != null) {
                            out.onNext(p);
                        }
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onCompleted() {
                        out.onCompleted();
                    }
                };
            }
        }).build().start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        return new ExtProcStandIn(channel, new ExtProcStandIn.Settings(
                io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.BodySendMode.NONE, true,
                List.of("envoy.filters.http.ext_authz"), 1 << 20, Duration.ofMillis(300)));
    }

    private static HeaderList headers() {
        HeaderList h = new HeaderList();
        h.add(":path", "/api/v1/write");
        h.add(":method", "POST");
        return h;
    }

    @Test
    void replyOfTheWrongKindFailsTheRequest() throws Exception {
        ExtProcStandIn envoy = processor(r -> ProcessingResponse.newBuilder().setRequestBody(BodyResponse.getDefaultInstance()).build());
        ExtProcStandIn.LocalReply r = assertInstanceOf(ExtProcStandIn.LocalReply.class,
                envoy.process(headers(), "x".getBytes(StandardCharsets.UTF_8), Map.of()));
        assertEquals(500, r.status());
    }

    @Test
    void noReplyWithinTheMessageTimeoutFailsTheRequest() throws Exception {
        ExtProcStandIn envoy = processor(r -> null);
        ExtProcStandIn.LocalReply r = assertInstanceOf(ExtProcStandIn.LocalReply.class,
                envoy.process(headers(), "x".getBytes(StandardCharsets.UTF_8), Map.of()));
        assertEquals(500, r.status());
    }

    @Test
    void unreachableProcessorFailsTheRequest() {
        channel = InProcessChannelBuilder.forName(InProcessServerBuilder.generateName()).directExecutor().build();
        ExtProcStandIn envoy = new ExtProcStandIn(channel, ExtProcStandIn.Settings.envoyYaml());
        assertEquals(500, assertInstanceOf(ExtProcStandIn.LocalReply.class,
                envoy.process(headers(), new byte[0], Map.of())).status());
    }
}

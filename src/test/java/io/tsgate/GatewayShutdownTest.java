package io.tsgate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.tsgate.config.FlagParser;
import io.tsgate.config.GatewayConfig;
import io.tsgate.it.Await;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@link Gateway#close()} is the graceful stop: unready first while still deciding, on connections old and new, for
 * {@code -http.shutdownDelay}; only then does it stop serving. {@code GracefulShutdownIT} does the same to the jar
 * with SIGTERM and load.
 */
class GatewayShutdownTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Duration DELAY = Duration.ofSeconds(3);

    @Test
    void closeIsUnreadyButStillDecidingForTheDelay() throws Exception {
        Gateway g = Gateway.start(GatewayConfig.from(FlagParser.parse(List.of("-grpcListenAddr=127.0.0.1:0",
                "-httpListenAddr=127.0.0.1:0", "-enable.auth=false", "-http.shutdownDelay=" + DELAY.toSeconds() + "s",
                "-http.maxGracefulShutdownDuration=2s"), Map.of())), Clock.systemUTC());
        List<ManagedChannel> channels = new java.util.ArrayList<>();
        int port = g.grpcPort();
        ManagedChannel open = channel(port, channels);
        try {
            assertEquals(0, checkCode(open));
            long start = System.nanoTime();
            CompletableFuture<Void> closing = CompletableFuture.runAsync(g::close);
            Await.until("/ready to answer 503", Duration.ofSeconds(2), () -> status(g, "/ready"), s -> s == 503);
            assertEquals(ServingStatus.NOT_SERVING, HealthGrpc.newBlockingStub(open).withDeadlineAfter(5, TimeUnit.SECONDS)
                    .check(HealthCheckRequest.getDefaultInstance()).getStatus());
            assertEquals(200, status(g, "/health"), "liveness stays 200");
            assertEquals(0, checkCode(open), "a Check on the open connection is decided");
            assertEquals(0, checkCode(channel(port, channels)), "a new connection is still accepted and decided");
            assertFalse(closing.isDone(), "still within the delay");

            closing.get(DELAY.toSeconds() + 10, TimeUnit.SECONDS);
            assertTrue(System.nanoTime() - start >= DELAY.toNanos(), "close() waited out the delay");
            ManagedChannel late = channel(port, channels);
            assertThrows(StatusRuntimeException.class, () -> checkCode(late), "stopped: nothing listens");
        } finally {
            channels.forEach(ManagedChannel::shutdownNow);
            g.close();
        }
    }

    /**
     * A stream that never ends (an ext_proc stream whose Envoy hangs) does not hold the process: after
     * {@code -http.maxGracefulShutdownDuration} it is cut and close() returns.
     */
    @Test
    void closeCutsWhatIsStillOpenWhenTheGraceRunsOut() throws Exception {
        Gateway g = Gateway.start(GatewayConfig.from(FlagParser.parse(List.of("-grpcListenAddr=127.0.0.1:0",
                "-httpListenAddr=127.0.0.1:0", "-enable.auth=false", "-http.maxGracefulShutdownDuration=1s"), Map.of())),
                Clock.systemUTC());
        List<ManagedChannel> channels = new java.util.ArrayList<>();
        CompletableFuture<Throwable> ended = new CompletableFuture<>();
        CompletableFuture<Void> answered = new CompletableFuture<>();
        try {
            var stream = io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc.newStub(channel(g.grpcPort(), channels))
                    .process(new io.grpc.stub.StreamObserver<>() {
                        @Override
                        public void onNext(io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse r) {
                            answered.complete(null);
                        }

                        @Override
                        public void onError(Throwable t) {
                            ended.complete(t);
                        }

                        @Override
                        public void onCompleted() {
                            ended.complete(null);
                        }
                    });
            stream.onNext(io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest.newBuilder()
                    .setResponseHeaders(io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders.getDefaultInstance()).build());
            // The server answered, so the stream is open on its side before the shutdown starts (else close() could
            // begin before the call exists and rightly find nothing in flight).
            answered.get(10, TimeUnit.SECONDS);
            long start = System.nanoTime();
            g.close();
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(tookMillis >= 1000 && tookMillis < 5000, "close() took " + tookMillis + " ms");
            Throwable cut = ended.get(10, TimeUnit.SECONDS);
            assertTrue(cut instanceof StatusRuntimeException, "the stream was cut, not completed: " + cut);
        } finally {
            channels.forEach(ManagedChannel::shutdownNow);
            g.close();
        }
    }

    private static ManagedChannel channel(int port, List<ManagedChannel> channels) {
        ManagedChannel ch = ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        channels.add(ch);
        return ch;
    }

    private static int checkCode(ManagedChannel ch) {
        return AuthorizationGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS).check(CheckRequest.newBuilder()
                .setAttributes(AttributeContext.newBuilder().setRequest(AttributeContext.Request.newBuilder()
                        .setHttp(AttributeContext.HttpRequest.newBuilder().setMethod("GET").setHost("vm")
                                .setPath("/api/v1/query?query=up")))).build()).getStatus().getCode();
    }

    private static int status(Gateway g, String path) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + g.httpPort() + path)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }
}

package io.tsgate.envoy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.HeaderMap;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.BodySendMode;
import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpBody;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpTrailers;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProtocolConfiguration;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tsgate.request.Tenant;
import io.tsgate.ingest.WriteBodyCounter;
import io.tsgate.limits.RowBudgetLimiter;
import io.tsgate.limits.RowBudgetLimiter.Admission;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * ext_proc messages one by one, including the ones a well-configured Envoy rarely sends (response phases, trailers,
 * bodies not asked for, headers in {@code value}, broken ext_authz metadata): each gets exactly its one reply.
 */
class ExtProcMessagesTest {
    private static final Tenant TENANT = new Tenant(1, 5);
    private final RowBudgetLimiter limiter = new RowBudgetLimiter(Map.of(TENANT, 100L), null);
    private WriteCountingPool pool;
    private Server server;
    private ManagedChannel channel;

    @BeforeEach
    void start() throws Exception {
        PrometheusRegistry registry = new PrometheusRegistry();
        pool = new WriteCountingPool(1, 4, Duration.ofSeconds(30), registry);
        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name).directExecutor()
                .addService(ExtProcServices.of(new WriteBodyCounter(1 << 20, 4 << 20), pool, limiter, true, registry, Map.of()))
                .build().start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    }

    @AfterEach
    void stop() {
        channel.shutdownNow();
        server.shutdownNow();
        pool.close();
    }

    /** One stream: messages in, replies collected. */
    private final class Stream {
        final BlockingQueue<ProcessingResponse> replies = new LinkedBlockingQueue<>();
        final StreamObserver<ProcessingRequest> requests = ExternalProcessorGrpc.newStub(channel).process(new StreamObserver<>() {
            @Override
            public void onNext(ProcessingResponse r) {
                replies.add(r);
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onCompleted() {
            }
        });

        ProcessingResponse send(ProcessingRequest r) throws InterruptedException {
            requests.onNext(r);
            return replies.poll(10, TimeUnit.SECONDS);
        }

        /** Sends and expects no reply yet. */
        void sendQuietly(ProcessingRequest r) throws InterruptedException {
            requests.onNext(r);
            assertNull(replies.poll(200, TimeUnit.MILLISECONDS), "no reply to a message that does not end the body");
        }
    }

    private static Metadata authz(String tenant, String requestClass) {
        return Metadata.newBuilder().putFilterMetadata("envoy.filters.http.ext_authz", Struct.newBuilder()
                .putFields("tenant", Value.newBuilder().setStringValue(tenant).build())
                .putFields("subject", Value.newBuilder().setStringValue("alice").build())
                .putFields("class", Value.newBuilder().setStringValue(requestClass).build()).build()).build();
    }

    private static ProcessingRequest.Builder headers(String path, Metadata metadata, boolean raw) {
        HeaderValue.Builder p = HeaderValue.newBuilder().setKey(":path");
        if (raw) {
            p.setRawValue(ByteString.copyFromUtf8(path));
        } else {
            p.setValue(path);
        }
        return ProcessingRequest.newBuilder().setRequestHeaders(HttpHeaders.newBuilder().setHeaders(HeaderMap.newBuilder()
                .addHeaders(HeaderValue.newBuilder().setKey(":method").setRawValue(ByteString.copyFromUtf8("POST")))
                .addHeaders(p))).setMetadataContext(metadata);
    }

    private static ProcessingRequest body(String text, boolean endOfStream) {
        return ProcessingRequest.newBuilder().setRequestBody(HttpBody.newBuilder()
                .setBody(ByteString.copyFromUtf8(text)).setEndOfStream(endOfStream)).build();
    }

    private static ProcessingRequest.Builder buffered(ProcessingRequest.Builder b) {
        return b.setProtocolConfig(ProtocolConfiguration.newBuilder().setRequestBodyMode(BodySendMode.BUFFERED));
    }

    private static void assertDenied(ProcessingResponse r, int status, String reason) {
        assertNotNull(r, "a reply");
        assertTrue(r.hasImmediateResponse(), r.toString());
        assertEquals(status, r.getImmediateResponse().getStatus().getCodeValue());
        assertEquals("tsgate_" + reason, r.getImmediateResponse().getDetails());
    }

    @Test
    void ext_authzMetadataWithoutAValidTenantIsRefused() throws Exception {
        for (String tenant : List.of("", "15", "1:x", "x:1", "1:2:3")) {
            Stream s = new Stream();
            assertDenied(s.send(headers("/api/v1/import/prometheus", authz(tenant, "write"), true).build()), 403,
                    "ext_proc_bad_authz_metadata");
        }
        assertEquals(List.of(), limiter.admissions());
    }

    @Test
    void aPathSentInValueInsteadOfRawValueIsRead() throws Exception {
        Stream s = new Stream();
        assertTrue(s.send(headers("/api/v1/import/prometheus", authz("1:5", "write"), false).build()).hasModeOverride(),
                "the write is recognised from the path in value");
        assertTrue(s.send(body("m 1\nn 2\n", true)).hasRequestBody());
        assertEquals(List.of(new Admission(TENANT, 2, 2, true)), limiter.admissions());
    }

    /** Without protocol_config (older Envoy) chunks are gathered until end_of_stream, then counted as one body. */
    @Test
    void chunksAreGatheredUntilTheEndWithoutProtocolConfig() throws Exception {
        Stream s = new Stream();
        assertTrue(s.send(headers("/api/v1/import/prometheus", authz("1:5", "write"), true).build()).hasModeOverride());
        s.sendQuietly(body("m 1\nn", false));
        assertTrue(s.send(body(" 2\nk 3\n", true)).hasRequestBody());
        assertEquals(List.of(new Admission(TENANT, 3, 3, true)), limiter.admissions());
    }

    /** The filter's own mode NONE: the only body message is tsgate's BUFFERED one, whole even without end_of_stream. */
    @Test
    void oneBodyMessageIsWholeWhenTheFiltersModeIsNone() throws Exception {
        Stream s = new Stream();
        ProcessingRequest.Builder h = headers("/api/v1/import/prometheus", authz("1:5", "write"), true)
                .setProtocolConfig(ProtocolConfiguration.newBuilder().setRequestBodyMode(BodySendMode.NONE));
        assertTrue(s.send(h.build()).hasModeOverride());
        assertTrue(s.send(body("m 1\n", false)).hasRequestBody());
        assertEquals(List.of(new Admission(TENANT, 1, 1, true)), limiter.admissions());
    }

    /** A route overriding the body mode to streamed sends more after the counted message: uncounted, so refused. */
    @Test
    void bodyAfterTheCountedMessageIsRefused() throws Exception {
        Stream s = new Stream();
        assertTrue(s.send(buffered(headers("/api/v1/import/prometheus", authz("1:5", "write"), true)).build()).hasModeOverride());
        assertTrue(s.send(body("m 1\n", false)).hasRequestBody());
        assertDenied(s.send(body("n 2\nk 3\n", true)), 400, "write_body_streamed");
        assertEquals(List.of(new Admission(TENANT, 1, 1, true)), limiter.admissions());
    }

    /** A stream tsgate did not ask a body of still answers any body, trailers and response phases Envoy sends. */
    @Test
    void everyOtherMessageGetsItsContinue() throws Exception {
        Stream s = new Stream();
        assertTrue(s.send(headers("/api/v1/query", authz("1:5", "read"), true).build()).hasRequestHeaders());
        assertTrue(s.send(body("query=up", true)).hasRequestBody());
        assertTrue(s.send(ProcessingRequest.newBuilder().setRequestTrailers(HttpTrailers.getDefaultInstance()).build())
                .hasRequestTrailers());
        assertTrue(s.send(ProcessingRequest.newBuilder().setResponseHeaders(HttpHeaders.getDefaultInstance()).build())
                .hasResponseHeaders());
        assertTrue(s.send(ProcessingRequest.newBuilder().setResponseBody(HttpBody.getDefaultInstance()).build())
                .hasResponseBody());
        assertTrue(s.send(ProcessingRequest.newBuilder().setResponseTrailers(HttpTrailers.getDefaultInstance()).build())
                .hasResponseTrailers());
        assertEquals(List.of(), limiter.admissions());
    }

    @Test
    void aBodyOverTheLimitWhileGatheringIsRefusedAtOnce() throws Exception {
        Stream s = new Stream();
        assertTrue(s.send(headers("/api/v1/import/prometheus", authz("1:5", "write"), true).build()).hasModeOverride());
        s.sendQuietly(body("m".repeat(1 << 19), false));
        assertDenied(s.send(body("m".repeat((1 << 19) + 1), false)), 413, "write_body_too_large");
    }

    /** A limiter that cannot answer a write refuses it as the failure mode says: 429 limit_backend_unavailable. */
    @Test
    void aWriteTheLimiterCannotCheckIsRefused() throws Exception {
        channel.shutdownNow();
        server.shutdownNow();
        io.tsgate.limits.Limiter failing = new io.tsgate.limits.Limiter() {
            @Override
            public java.util.concurrent.CompletionStage<io.tsgate.limits.LimitVerdict> acquireQuery(Tenant tenant) {
                throw new AssertionError("no reads here");
            }

            @Override
            public java.util.concurrent.CompletionStage<io.tsgate.limits.LimitVerdict> admitWrite(Tenant tenant, long rows,
                                                                                                  long[] seriesHashes) {
                return java.util.concurrent.CompletableFuture.failedFuture(new IllegalStateException("redis down"));
            }

            @Override
            public boolean countsWrites(Tenant tenant) {
                return true;
            }
        };
        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name).directExecutor()
                .addService(ExtProcServices.of(new WriteBodyCounter(1 << 20, 4 << 20), pool, failing, true,
                        new PrometheusRegistry(), Map.of()))
                .build().start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        Stream s = new Stream();
        assertTrue(s.send(headers("/api/v1/import/prometheus", authz("1:5", "write"), true).build()).hasModeOverride());
        assertDenied(s.send(body("m 1\n", true)), 429, "limit_backend_unavailable");
    }
}

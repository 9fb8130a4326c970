package io.tsgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.BoolValue;
import com.google.protobuf.ByteString;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.BodySendMode;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.HeaderSendMode;
import io.envoyproxy.envoy.service.ext_proc.v3.BodyResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.CommonResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.HeaderMutation;
import io.envoyproxy.envoy.service.ext_proc.v3.HeadersResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.TrailersResponse;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The ext_proc stand-in behaves as Envoy's filter does (source/extensions/filters/http/ext_proc/ext_proc.cc and
 * processor_state.cc at v1.34.0, commit d7809ba2b0; v1.35.0 at 84305a6cb6), checked against scripted processors.
 */
class ExtProcStandInTest {
    private static final ProcessingResponse CONTINUE_HEADERS = ProcessingResponse.newBuilder()
            .setRequestHeaders(HeadersResponse.getDefaultInstance()).build();
    private static final ProcessingResponse BUFFER = ProcessingResponse.newBuilder()
            .setRequestHeaders(HeadersResponse.getDefaultInstance())
            .setModeOverride(ProcessingMode.newBuilder().setRequestBodyMode(BodySendMode.BUFFERED)).build();
    private static final ProcessingResponse CONTINUE_BODY = ProcessingResponse.newBuilder()
            .setRequestBody(BodyResponse.getDefaultInstance()).build();

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

    /** A processor answering each message with {@code reply} (null: no answer; CLOSE: close the stream). */
    private ExtProcStandIn processor(ExtProcStandIn.Settings settings,
                                     Function<ProcessingRequest, ProcessingResponse> reply) throws Exception {
        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name).directExecutor().addService(new ExternalProcessorGrpc.ExternalProcessorImplBase() {
            @Override
            public StreamObserver<ProcessingRequest> process(StreamObserver<ProcessingResponse> out) {
                return new StreamObserver<>() {
                    @Override
                    public void onNext(ProcessingRequest r) {
                        ProcessingResponse p = reply.apply(r);
                        if (p == CLOSE) {
                            out.onCompleted();
                        } else if (p == ERROR) {
                            out.onError(io.grpc.Status.INTERNAL.asRuntimeException());
                        } else if (p != null) {
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
        return new ExtProcStandIn(channel, settings);
    }

    private static final ProcessingResponse CLOSE = ProcessingResponse.newBuilder().build();
    private static final ProcessingResponse ERROR = ProcessingResponse.newBuilder().setDynamicMetadata(
            com.google.protobuf.Struct.getDefaultInstance()).build();

    private static ExtProcStandIn.Settings yaml() {
        return ExtProcStandIn.Settings.envoyYaml().withMessageTimeout(Duration.ofMillis(300));
    }

    private static HeaderList headers() {
        HeaderList h = new HeaderList();
        h.add(":path", "/api/v1/write");
        h.add(":method", "POST");
        return h;
    }

    private static byte[] x() {
        return "x".getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void settingsAreReadFromTheShippedConfig() {
        ExtProcStandIn.Settings s = ExtProcStandIn.Settings.envoyYaml();
        assertEquals(BodySendMode.NONE, s.requestBodyMode());
        assertTrue(s.allowModeOverride());
        assertFalse(s.failureModeAllow());
        assertEquals(Duration.ofSeconds(2), s.messageTimeout());
        assertEquals(8 << 20, s.bufferLimitBytes());
        assertEquals(EnvoyRelease.V1_34, s.release());
    }

    /** ext_proc.cc onReceiveMessage at v1.34.0: a spurious reply closes the stream and the request continues. */
    @Test
    void replyOfTheWrongKindLetsTheRequestThroughOnV134EvenFailingClosed() throws Exception {
        ExtProcStandIn envoy = processor(yaml(), r -> CONTINUE_BODY);
        ExtProcStandIn.Continue c = assertInstanceOf(ExtProcStandIn.Continue.class, envoy.process(headers(), x(), Map.of()));
        assertFalse(c.bodySent());
        assertEquals(1, envoy.spuriousReplies().size());
    }

    /** v1.35.0 (runtime guard ext_proc_fail_close_spurious_resp): failing closed, a spurious reply is 500. */
    @Test
    void replyOfTheWrongKindFailsTheRequestOnV135() throws Exception {
        ExtProcStandIn envoy = processor(yaml().withRelease(EnvoyRelease.V1_35), r -> CONTINUE_BODY);
        assertEquals(500, assertInstanceOf(ExtProcStandIn.LocalReply.class, envoy.process(headers(), x(), Map.of())).status());
    }

    /** onMessageTimeout: 504 (ext_proc_timeout_error, on by default in v1.34). */
    @Test
    void noReplyWithinTheMessageTimeoutIs504() throws Exception {
        ExtProcStandIn envoy = processor(yaml(), r -> null);
        assertEquals(504, assertInstanceOf(ExtProcStandIn.LocalReply.class, envoy.process(headers(), x(), Map.of())).status());
    }

    /** onGrpcError: 500 when failing closed. */
    @Test
    void streamErrorIs500() throws Exception {
        ExtProcStandIn envoy = processor(yaml(), r -> ERROR);
        assertEquals(500, assertInstanceOf(ExtProcStandIn.LocalReply.class, envoy.process(headers(), x(), Map.of())).status());
    }

    /** onGrpcClose: a processor that closes its stream cleanly while Envoy waits lets the request through. */
    @Test
    void processorClosingTheStreamLetsTheRequestThrough() throws Exception {
        ExtProcStandIn envoy = processor(yaml(), r -> r.hasRequestHeaders() ? BUFFER : CLOSE);
        ExtProcStandIn.Continue c = assertInstanceOf(ExtProcStandIn.Continue.class, envoy.process(headers(), x(), Map.of()));
        assertFalse(c.bodySent(), "the body was sent but never answered, and still goes upstream");
    }

    @Test
    void unreachableProcessorFailsTheRequest() {
        channel = InProcessChannelBuilder.forName(InProcessServerBuilder.generateName()).directExecutor().build();
        ExtProcStandIn envoy = new ExtProcStandIn(channel, yaml());
        assertEquals(500, assertInstanceOf(ExtProcStandIn.LocalReply.class,
                envoy.process(headers(), new byte[0], Map.of())).status());
    }

    /** encodeProtocolConfig: the first message carries the filter's (not the overridden) body modes. */
    @Test
    void firstMessageCarriesTheFiltersProtocolConfig() throws Exception {
        ExtProcStandIn envoy = processor(yaml(), r -> r.hasRequestHeaders() ? BUFFER : CONTINUE_BODY);
        envoy.process(headers(), x(), Map.of());
        assertTrue(envoy.lastSent().get(0).hasProtocolConfig());
        assertEquals(BodySendMode.NONE, envoy.lastSent().get(0).getProtocolConfig().getRequestBodyMode());
        assertEquals("x", envoy.lastSent().get(1).getRequestBody().getBody().toStringUtf8());
        assertTrue(envoy.lastSent().get(1).getRequestBody().getEndOfStream());
    }

    /** onTrailers / handleCompleteBodyAvailable: with trailers the BUFFERED body message has end_of_stream false. */
    @Test
    void bufferedBodyOfARequestWithTrailersHasEndOfStreamFalseAndTrailersAreSkipped() throws Exception {
        ExtProcStandIn envoy = processor(yaml(), r -> r.hasRequestHeaders() ? BUFFER : CONTINUE_BODY);
        HeaderList trailers = new HeaderList();
        trailers.add("x-checksum", "1");
        ExtProcStandIn.Continue c = assertInstanceOf(ExtProcStandIn.Continue.class,
                envoy.process(new ExtProcStandIn.Request(headers(), x(), trailers, Map.of(), null)));
        assertTrue(c.bodySent());
        assertFalse(envoy.lastSent().get(0).getRequestHeaders().getEndOfStream());
        assertFalse(envoy.lastSent().get(1).getRequestBody().getEndOfStream());
        assertEquals(2, envoy.lastSent().size(), "request_trailer_mode SKIP: no trailers message");
    }

    /** finalizeBodyResponse: with request_trailer_mode SEND the trailers follow the body reply. */
    @Test
    void trailersAreSentAfterTheBodyReplyWhenAskedFor() throws Exception {
        ProcessingResponse bufferAndTrailers = BUFFER.toBuilder().setModeOverride(BUFFER.getModeOverride().toBuilder()
                .setRequestTrailerMode(HeaderSendMode.SEND)).build();
        ExtProcStandIn envoy = processor(yaml(), r -> r.hasRequestHeaders() ? bufferAndTrailers
                : r.hasRequestBody() ? CONTINUE_BODY
                : ProcessingResponse.newBuilder().setRequestTrailers(TrailersResponse.getDefaultInstance()).build());
        HeaderList trailers = new HeaderList();
        trailers.add("x-checksum", "1");
        assertInstanceOf(ExtProcStandIn.Continue.class,
                envoy.process(new ExtProcStandIn.Request(headers(), x(), trailers, Map.of(), null)));
        assertEquals("x-checksum", envoy.lastSent().get(2).getRequestTrailers().getTrailers().getHeaders(0).getKey());
    }

    @Test
    void modeOverrideIsIgnoredWithoutAllowModeOverride() throws Exception {
        ExtProcStandIn envoy = processor(yaml().withAllowModeOverride(false), r -> BUFFER);
        ExtProcStandIn.Continue c = assertInstanceOf(ExtProcStandIn.Continue.class, envoy.process(headers(), x(), Map.of()));
        assertFalse(c.bodySent());
        assertEquals(1, envoy.lastSent().size());
    }

    /**
     * mutation_utils.cc applyHeaderMutations: only raw_value is read (a value-only entry sets an empty header), only
     * append counts (append_action is ignored), and host / x-envoy-* changes are ignored by the default rules.
     */
    @Test
    void headerMutationsReadRawValueAndAppendOnly() throws Exception {
        HeaderMutation m = HeaderMutation.newBuilder()
                .addSetHeaders(HeaderValueOption.newBuilder().setHeader(HeaderValue.newBuilder().setKey("x-value-only")
                        .setValue("lost")))
                .addSetHeaders(HeaderValueOption.newBuilder().setHeader(HeaderValue.newBuilder().setKey("x-a")
                        .setRawValue(ByteString.copyFromUtf8("2")))
                        .setAppendAction(HeaderValueOption.HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD))
                .addSetHeaders(HeaderValueOption.newBuilder().setHeader(HeaderValue.newBuilder().setKey("x-b")
                        .setRawValue(ByteString.copyFromUtf8("2"))).setAppend(BoolValue.of(true)))
                .addSetHeaders(HeaderValueOption.newBuilder().setHeader(HeaderValue.newBuilder().setKey("x-envoy-x")
                        .setRawValue(ByteString.copyFromUtf8("1"))))
                .build();
        ExtProcStandIn envoy = processor(yaml(), r -> ProcessingResponse.newBuilder().setRequestHeaders(
                HeadersResponse.newBuilder().setResponse(CommonResponse.newBuilder().setHeaderMutation(m))).build());
        HeaderList h = headers();
        h.add("x-a", "1");
        h.add("x-b", "1");
        envoy.process(h, new byte[0], Map.of());
        assertEquals("", h.first("x-value-only"));
        assertEquals(java.util.List.of("2"), h.all("x-a"), "append_action ignored: set");
        assertEquals(java.util.List.of("1", "2"), h.all("x-b"), "append true adds an entry");
        assertNull(h.first("x-envoy-x"));
    }

    /** ext_proc.cc onReceiveMessage: with allowed_override_modes, only a listed mode is taken. */
    @Test
    void modeOverrideMustBeListedWhenAllowedOverrideModesIsSet() throws Exception {
        ExtProcStandIn.Settings listed = yaml();
        ExtProcStandIn.Settings onlyNone = new ExtProcStandIn.Settings(listed.mode(), true,
                java.util.List.of(ProcessingMode.newBuilder().setRequestBodyMode(BodySendMode.NONE).build()), false,
                listed.forwardingNamespaces(), listed.bufferLimitBytes(), listed.messageTimeout(), false, EnvoyRelease.V1_34);
        ExtProcStandIn envoy = processor(onlyNone, r -> r.hasRequestHeaders() ? BUFFER : CONTINUE_BODY);
        assertFalse(assertInstanceOf(ExtProcStandIn.Continue.class, envoy.process(headers(), x(), Map.of())).bodySent());
    }

    /** mergePerRouteConfig: a route's ExtProcPerRoute disabled skips the filter, no stream is opened. */
    @Test
    void disabledRouteOpensNoStream() throws Exception {
        ExtProcStandIn envoy = processor(yaml(), r -> null);
        ExtProcStandIn.Continue c = assertInstanceOf(ExtProcStandIn.Continue.class, envoy.process(new ExtProcStandIn.Request(
                headers(), x(), null, Map.of(), io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ExtProcPerRoute
                        .newBuilder().setDisabled(true).build())));
        assertFalse(c.bodySent());
        assertTrue(envoy.lastSent().isEmpty());
    }

    /** sendImmediateResponse: a status below 200 becomes 200; headers are applied as mutations (raw_value). */
    @Test
    void immediateResponseStatusBelow200Becomes200() throws Exception {
        ExtProcStandIn envoy = processor(yaml(), r -> ProcessingResponse.newBuilder().setImmediateResponse(
                io.envoyproxy.envoy.service.ext_proc.v3.ImmediateResponse.newBuilder()
                        .setStatus(io.envoyproxy.envoy.type.v3.HttpStatus.newBuilder().setCodeValue(100))
                        .setHeaders(HeaderMutation.newBuilder().addSetHeaders(HeaderValueOption.newBuilder().setHeader(
                                HeaderValue.newBuilder().setKey("x-a").setRawValue(ByteString.copyFromUtf8("1")))))).build());
        ExtProcStandIn.LocalReply r = assertInstanceOf(ExtProcStandIn.LocalReply.class, envoy.process(headers(), x(), Map.of()));
        assertEquals(200, r.status());
        assertEquals("1", r.headers().first("x-a"));
    }

    /** ProcessorState::restartMessageTimer: the first override_message_timeout extends the wait for the reply. */
    @Test
    void firstOverrideMessageTimeoutExtendsTheWait() throws Exception {
        ExtProcStandIn envoy = processor(yaml(), r -> ProcessingResponse.newBuilder()
                .setOverrideMessageTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(1)).build());
        long start = System.nanoTime();
        assertEquals(504, assertInstanceOf(ExtProcStandIn.LocalReply.class, envoy.process(headers(), x(), Map.of())).status());
        assertTrue(System.nanoTime() - start >= 900_000_000L, "waited the extended second, not 300ms");
    }

    @Test
    void invalidHeaderValueInAMutationIs500() throws Exception {
        HeaderMutation m = HeaderMutation.newBuilder().addSetHeaders(HeaderValueOption.newBuilder()
                .setHeader(HeaderValue.newBuilder().setKey("x-a").setRawValue(ByteString.copyFromUtf8("a\nb")))).build();
        ExtProcStandIn envoy = processor(yaml(), r -> ProcessingResponse.newBuilder().setRequestHeaders(
                HeadersResponse.newBuilder().setResponse(CommonResponse.newBuilder().setHeaderMutation(m))).build());
        assertEquals(500, assertInstanceOf(ExtProcStandIn.LocalReply.class,
                envoy.process(headers(), new byte[0], Map.of())).status());
    }

    @Test
    void bodyAboveTheBufferLimitIs413WithoutReachingTheProcessor() throws Exception {
        ExtProcStandIn envoy = processor(yaml().withBufferLimit(4), r -> r.hasRequestHeaders() ? BUFFER : CONTINUE_BODY);
        assertEquals(413, assertInstanceOf(ExtProcStandIn.LocalReply.class,
                envoy.process(headers(), "12345".getBytes(StandardCharsets.UTF_8), Map.of())).status());
        assertEquals(1, envoy.lastSent().size());
    }
}

package io.tsgate.it;

import com.google.protobuf.ByteString;
import com.google.protobuf.Struct;
import com.google.protobuf.util.Durations;
import io.envoyproxy.envoy.config.core.v3.HeaderMap;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ExtProcPerRoute;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.BodySendMode;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.HeaderSendMode;
import io.envoyproxy.envoy.service.ext_proc.v3.CommonResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpBody;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpTrailers;
import io.envoyproxy.envoy.service.ext_proc.v3.ImmediateResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProtocolConfiguration;
import io.grpc.Channel;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Stands in for Envoy's {@code envoy.filters.http.ext_proc} filter on the request path, as read in Envoy's source
 * ({@code source/extensions/filters/http/ext_proc/ext_proc.cc} and {@code processor_state.cc}; v1.34.0 is commit
 * d7809ba2b0, v1.35.0 is 84305a6cb6 — see {@link EnvoyRelease}). Settings come from the shipped config's filter
 * ({@link Settings#of}); per request:
 * <ol>
 *   <li>A per-route {@code ExtProcPerRoute} with {@code disabled} skips the filter; its
 *       {@code overrides.processing_mode} replaces the filter's mode ({@code mergePerRouteConfig}).</li>
 *   <li>The headers go in one message (lower-case keys, values in {@code raw_value}, {@code end_of_stream} only when
 *       there is neither body nor trailers) with the forwarded dynamic metadata and, on this first message,
 *       {@code protocol_config} carrying the <em>filter's</em> body modes ({@code encodeProtocolConfig}).</li>
 *   <li>A {@code mode_override} is honoured while a headers reply is awaited, with {@code allow_mode_override}, not
 *       with {@code send_body_without_waiting_for_header_response}, and (when {@code allowed_override_modes} is set)
 *       only for a listed mode; DEFAULT header modes keep the filter's, body modes always apply
 *       ({@code effectiveModeOverride}). This happens before the reply's kind is checked.</li>
 *   <li>BUFFERED: the whole body in one message, {@code end_of_stream: true}, or {@code false} when trailers follow
 *       ({@code onTrailers}, {@code handleCompleteBodyAvailable}); a request with trailers and no data sends no body
 *       message. Above the stream's buffer limit the client gets 413 and the processor sees no body. Trailers go in
 *       their own message only with {@code request_trailer_mode: SEND}, after the body reply
 *       ({@code finalizeBodyResponse}). Other body modes are not modelled (the stand-in refuses them).</li>
 *   <li>Every message waits for its reply up to {@code message_timeout}; then 504 ({@code onMessageTimeout}, runtime
 *       guard {@code ext_proc_timeout_error} on by default in v1.34). A gRPC error is 500. A stream the processor
 *       closes (OK) while a reply is awaited lets the request continue, in every release ({@code onGrpcClose}).
 *       With {@code failure_mode_allow} all of these continue instead.</li>
 *   <li>A reply of the wrong kind is spurious: v1.34 closes the stream and continues, v1.35 fails closed with 500.
 *       An {@code immediate_response} becomes the local reply (status below 200 → 200). A header mutation that
 *       Envoy rejects ({@link HeaderMutations#applyExtProc}) is 500. {@code clear_route_cache} with a header
 *       mutation re-picks the route.</li>
 * </ol>
 * Response processing is not modelled: the shipped configs skip it.
 */
public final class ExtProcStandIn {
    /** The filter's settings. */
    public record Settings(ProcessingMode mode, boolean allowModeOverride, List<ProcessingMode> allowedOverrideModes,
                           boolean sendBodyWithoutWaitingForHeaderResponse, List<String> forwardingNamespaces,
                           int bufferLimitBytes, Duration messageTimeout, boolean failureModeAllow,
                           EnvoyRelease release) {

        /** Settings of {@code filter} in a listener whose buffer limit is {@code bufferLimitBytes}. */
        public static Settings of(ExternalProcessor filter, int bufferLimitBytes, EnvoyRelease release) {
            if (filter.getObservabilityMode() || filter.getDisableImmediateResponse() || filter.hasMutationRules()
                    || filter.getRequestAttributesCount() > 0 || filter.hasForwardRules()) {
                throw new UnsupportedOperationException("ext_proc setting not modelled: " + filter);
            }
            Duration timeout = filter.hasMessageTimeout()
                    ? Duration.ofMillis(Durations.toMillis(filter.getMessageTimeout())) : Duration.ofMillis(200);
            return new Settings(filter.getProcessingMode(), filter.getAllowModeOverride(),
                    filter.getAllowedOverrideModesList(), filter.getSendBodyWithoutWaitingForHeaderResponse(),
                    filter.getMetadataOptions().getForwardingNamespaces().getUntypedList(), bufferLimitBytes, timeout,
                    filter.getFailureModeAllow(), release);
        }

        /** The ext_proc filter of envoy/envoy-single.yaml, as Envoy v1.34 runs it. */
        public static Settings envoyYaml() {
            EnvoyConfig config = EnvoyConfig.single();
            return of(config.extProc(), config.bufferLimitBytes(), EnvoyRelease.V1_34);
        }

        public BodySendMode requestBodyMode() {
            return mode.getRequestBodyMode();
        }

        public Settings withAllowModeOverride(boolean allow) {
            return new Settings(mode, allow, allowedOverrideModes, sendBodyWithoutWaitingForHeaderResponse,
                    forwardingNamespaces, bufferLimitBytes, messageTimeout, failureModeAllow, release);
        }

        public Settings withBufferLimit(int bytes) {
            return new Settings(mode, allowModeOverride, allowedOverrideModes, sendBodyWithoutWaitingForHeaderResponse,
                    forwardingNamespaces, bytes, messageTimeout, failureModeAllow, release);
        }

        public Settings withForwardingNamespaces(List<String> namespaces) {
            return new Settings(mode, allowModeOverride, allowedOverrideModes, sendBodyWithoutWaitingForHeaderResponse,
                    namespaces, bufferLimitBytes, messageTimeout, failureModeAllow, release);
        }

        public Settings withMessageTimeout(Duration timeout) {
            return new Settings(mode, allowModeOverride, allowedOverrideModes, sendBodyWithoutWaitingForHeaderResponse,
                    forwardingNamespaces, bufferLimitBytes, timeout, failureModeAllow, release);
        }

        public Settings withRelease(EnvoyRelease r) {
            return new Settings(mode, allowModeOverride, allowedOverrideModes, sendBodyWithoutWaitingForHeaderResponse,
                    forwardingNamespaces, bufferLimitBytes, messageTimeout, failureModeAllow, r);
        }

        public Settings withMode(ProcessingMode m) {
            return new Settings(m, allowModeOverride, allowedOverrideModes, sendBodyWithoutWaitingForHeaderResponse,
                    forwardingNamespaces, bufferLimitBytes, messageTimeout, failureModeAllow, release);
        }
    }

    /** One request as the filter gets it; {@code trailers} null when the request has none. */
    public record Request(HeaderList headers, byte[] body, HeaderList trailers, Map<String, Struct> dynamicMetadata,
                          ExtProcPerRoute perRoute) {
    }

    /** What the filter does with the request. */
    public sealed interface Outcome permits Continue, LocalReply {
    }

    /**
     * The request goes on upstream with these headers and body; {@code bodySent} tells whether the processor saw the
     * body, {@code clearRouteCache} whether the route must be picked again.
     */
    public record Continue(HeaderList headers, boolean bodySent, byte[] body, boolean clearRouteCache)
            implements Outcome {
    }

    /** Envoy answers the client itself; nothing goes upstream. */
    public record LocalReply(int status, HeaderList headers, byte[] body, String details) implements Outcome {
        public String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /** Ends processing early: the outcome is decided. */
    private static final class Done extends Exception {
        final transient Outcome outcome;

        Done(Outcome outcome) {
            super(null, null, false, false);
            this.outcome = outcome;
        }
    }

    private static final Object CLOSED = new Object();

    private final ExternalProcessorGrpc.ExternalProcessorStub stub;
    private final Settings settings;
    private final List<ProcessingRequest> lastSent = new CopyOnWriteArrayList<>();
    private final List<ProcessingResponse> lastReplies = new CopyOnWriteArrayList<>();
    private final List<ProcessingResponse> spurious = new CopyOnWriteArrayList<>();

    public ExtProcStandIn(Channel channel, Settings settings) {
        this.stub = ExternalProcessorGrpc.newStub(channel);
        this.settings = settings;
    }

    public Settings settings() {
        return settings;
    }

    /** The messages sent on the last stream, for assertions. */
    public List<ProcessingRequest> lastSent() {
        return List.copyOf(lastSent);
    }

    /** The replies received on the last stream, for assertions. */
    public List<ProcessingResponse> lastReplies() {
        return List.copyOf(lastReplies);
    }

    /** Every reply of the wrong kind received since this stand-in was made: tsgate must never send one. */
    public List<ProcessingResponse> spuriousReplies() {
        return List.copyOf(spurious);
    }

    /** A request without trailers on a route without ext_proc settings. */
    public Outcome process(HeaderList headers, byte[] body, Map<String, Struct> dynamicMetadata) {
        return process(new Request(headers, body, null, dynamicMetadata, null));
    }

    /** Runs the filter; {@code request.headers()} and {@code request.trailers()} are changed in place. */
    public Outcome process(Request request) {
        lastSent.clear();
        lastReplies.clear();
        ProcessingMode mode = settings.mode();
        if (request.perRoute() != null) {
            if (request.perRoute().getDisabled()) {
                return new Continue(request.headers(), false, request.body(), false);
            }
            if (request.perRoute().getOverrides().hasProcessingMode()) {
                mode = request.perRoute().getOverrides().getProcessingMode();
            }
        }
        if (mode.getRequestHeaderMode() == HeaderSendMode.SKIP) {
            throw new UnsupportedOperationException("stand-in models request_header_mode SEND only");
        }
        try {
            return new Stream(request, mode).run();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** One request's gRPC stream and the filter's state for it. */
    private final class Stream {
        private final Request request;
        private final BlockingQueue<Object> replies = new LinkedBlockingQueue<>();
        private final StreamObserver<ProcessingRequest> out;
        private final Metadata metadata;
        private ProcessingMode mode;
        private boolean clearRouteCache;
        private byte[] body;

        Stream(Request request, ProcessingMode mode) {
            this.request = request;
            this.mode = mode;
            this.body = request.body();
            this.metadata = forwarded(request.dynamicMetadata());
            this.out = stub.process(new StreamObserver<>() {
                @Override
                public void onNext(ProcessingResponse r) {
                    replies.add(r);
                }

                @Override
                public void onError(Throwable t) {
                    replies.add(t);
                }

                @Override
                public void onCompleted() {
                    replies.add(CLOSED);
                }
            });
        }

        Outcome run() throws InterruptedException {
            try {
                headers();
                boolean bodySent = body();
                trailers();
                out.onCompleted();
                return new Continue(request.headers(), bodySent, body, clearRouteCache);
            } catch (Done d) {
                return d.outcome;
            }
        }

        private void headers() throws Done, InterruptedException {
            boolean endOfStream = body.length == 0 && request.trailers() == null;
            send(ProcessingRequest.newBuilder()
                    .setRequestHeaders(HttpHeaders.newBuilder().setHeaders(headerMap(request.headers()))
                            .setEndOfStream(endOfStream))
                    .setMetadataContext(metadata)
                    .setProtocolConfig(ProtocolConfiguration.newBuilder()
                            .setRequestBodyMode(settings.mode().getRequestBodyMode())
                            .setResponseBodyMode(settings.mode().getResponseBodyMode())
                            .setSendBodyWithoutWaitingForHeaderResponse(
                                    settings.sendBodyWithoutWaitingForHeaderResponse()))
                    .build());
            ProcessingResponse r = await(true);
            if (!r.hasRequestHeaders()) {
                spurious(r);
            }
            CommonResponse common = r.getRequestHeaders().getResponse();
            if (common.getStatus() == CommonResponse.ResponseStatus.CONTINUE_AND_REPLACE) {
                throw new UnsupportedOperationException("stand-in does not model CONTINUE_AND_REPLACE");
            }
            mutate(request.headers(), common);
        }

        private boolean body() throws Done, InterruptedException {
            if (endOfStreamAtHeaders()) {
                return false;
            }
            BodySendMode bodyMode = mode.getRequestBodyMode();
            if (bodyMode == BodySendMode.NONE) {
                return false;
            }
            if (bodyMode != BodySendMode.BUFFERED) {
                throw new UnsupportedOperationException("stand-in models only BUFFERED bodies, not " + bodyMode);
            }
            if (body.length > settings.bufferLimitBytes()) {
                out.onCompleted();
                HeaderList h = new HeaderList();
                h.set("content-type", "text/plain");
                throw new Done(new LocalReply(413, h, "Payload Too Large".getBytes(StandardCharsets.UTF_8),
                        "request_payload_too_large"));
            }
            if (body.length == 0) {
                return false; // trailers without data: no buffered data, no body message (onTrailers)
            }
            send(ProcessingRequest.newBuilder()
                    .setRequestBody(HttpBody.newBuilder().setBody(ByteString.copyFrom(body))
                            .setEndOfStream(request.trailers() == null))
                    .setMetadataContext(metadata).build());
            ProcessingResponse r = await(false);
            if (!r.hasRequestBody()) {
                spurious(r);
            }
            CommonResponse common = r.getRequestBody().getResponse();
            mutate(request.headers(), common);
            if (common.hasBodyMutation()) {
                body = common.getBodyMutation().hasBody() ? common.getBodyMutation().getBody().toByteArray()
                        : (common.getBodyMutation().getClearBody() ? new byte[0] : body);
            }
            return true;
        }

        private void trailers() throws Done, InterruptedException {
            if (request.trailers() == null || mode.getRequestTrailerMode() != HeaderSendMode.SEND) {
                return;
            }
            send(ProcessingRequest.newBuilder()
                    .setRequestTrailers(HttpTrailers.newBuilder().setTrailers(headerMap(request.trailers())))
                    .setMetadataContext(metadata).build());
            ProcessingResponse r = await(false);
            if (!r.hasRequestTrailers()) {
                spurious(r);
            }
            try {
                HeaderMutations.applyExtProc(request.trailers(), r.getRequestTrailers().getHeaderMutation());
            } catch (HeaderMutations.Rejected e) {
                throw new Done(error(500, e.getMessage()));
            }
        }

        private boolean endOfStreamAtHeaders() {
            return body.length == 0 && request.trailers() == null;
        }

        private void send(ProcessingRequest r) {
            lastSent.add(r);
            out.onNext(r);
        }

        /** The next reply; ends the request on timeout, error, close or an immediate response. */
        private ProcessingResponse await(boolean awaitingHeaders) throws Done, InterruptedException {
            Duration timeout = settings.messageTimeout();
            boolean extended = false;
            while (true) {
                Object o = replies.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
                if (o == null) {
                    throw new Done(failOrContinue(504, "ext_proc_error_per-message_timeout_exceeded"));
                }
                if (o == CLOSED) {
                    // onGrpcClose: a clean close is the processor saying it is done, fail-open in every release.
                    throw new Done(new Continue(request.headers(), false, body, clearRouteCache));
                }
                if (o instanceof Throwable t) {
                    throw new Done(failOrContinue(500, "ext_proc_error_gRPC_error{" + t + "}"));
                }
                ProcessingResponse r = (ProcessingResponse) o;
                lastReplies.add(r);
                if (r.hasOverrideMessageTimeout()) {
                    if (!extended) { // restartMessageTimer: only the first such message counts
                        extended = true;
                        timeout = Duration.ofMillis(Durations.toMillis(r.getOverrideMessageTimeout()));
                    }
                    continue;
                }
                if (awaitingHeaders) {
                    applyModeOverride(r);
                }
                if (r.hasImmediateResponse()) {
                    out.onCompleted();
                    throw new Done(local(r.getImmediateResponse()));
                }
                return r;
            }
        }

        private void applyModeOverride(ProcessingResponse r) {
            BodySendMode filterBody = settings.mode().getRequestBodyMode();
            if (!r.hasModeOverride() || !settings.allowModeOverride() || settings.sendBodyWithoutWaitingForHeaderResponse()
                    || filterBody == BodySendMode.FULL_DUPLEX_STREAMED
                    || settings.mode().getResponseBodyMode() == BodySendMode.FULL_DUPLEX_STREAMED) {
                return;
            }
            ProcessingMode o = r.getModeOverride();
            ProcessingMode.Builder effective = settings.mode().toBuilder();
            if (o.getRequestHeaderMode() != HeaderSendMode.DEFAULT) {
                effective.setRequestHeaderMode(o.getRequestHeaderMode());
            }
            if (o.getResponseHeaderMode() != HeaderSendMode.DEFAULT) {
                effective.setResponseHeaderMode(o.getResponseHeaderMode());
            }
            if (o.getRequestTrailerMode() != HeaderSendMode.DEFAULT) {
                effective.setRequestTrailerMode(o.getRequestTrailerMode());
            }
            if (o.getResponseTrailerMode() != HeaderSendMode.DEFAULT) {
                effective.setResponseTrailerMode(o.getResponseTrailerMode());
            }
            effective.setRequestBodyMode(o.getRequestBodyMode()).setResponseBodyMode(o.getResponseBodyMode());
            ProcessingMode candidate = effective.build();
            boolean allowed = settings.allowedOverrideModes().isEmpty() || settings.allowedOverrideModes().stream()
                    .anyMatch(m -> m.getRequestBodyMode() == candidate.getRequestBodyMode()
                            && m.getRequestTrailerMode() == candidate.getRequestTrailerMode()
                            && m.getResponseHeaderMode() == candidate.getResponseHeaderMode()
                            && m.getResponseBodyMode() == candidate.getResponseBodyMode()
                            && m.getResponseTrailerMode() == candidate.getResponseTrailerMode());
            if (allowed) {
                mode = candidate;
            }
        }

        private void spurious(ProcessingResponse r) throws Done {
            spurious.add(r);
            if (settings.failureModeAllow() || !settings.release().failsClosedOnSpuriousReply()) {
                out.onCompleted();
                throw new Done(new Continue(request.headers(), false, body, clearRouteCache));
            }
            throw new Done(error(500, "unhandled message"));
        }

        private void mutate(HeaderList headers, CommonResponse common) throws Done {
            if (!common.hasHeaderMutation()) {
                return;
            }
            try {
                HeaderMutations.applyExtProc(headers, common.getHeaderMutation());
            } catch (HeaderMutations.Rejected e) {
                throw new Done(error(500, e.getMessage()));
            }
            clearRouteCache |= common.getClearRouteCache();
        }

        private Outcome failOrContinue(int status, String details) {
            if (settings.failureModeAllow()) {
                out.onCompleted();
                return new Continue(request.headers(), false, body, clearRouteCache);
            }
            return error(status, details);
        }

        private LocalReply error(int status, String details) {
            out.onError(io.grpc.Status.CANCELLED.withDescription(details).asRuntimeException());
            return new LocalReply(status, new HeaderList(), new byte[0], details);
        }
    }

    private Metadata forwarded(Map<String, Struct> dynamicMetadata) {
        Metadata.Builder m = Metadata.newBuilder();
        for (String ns : settings.forwardingNamespaces()) {
            Struct s = dynamicMetadata.get(ns);
            if (s != null) {
                m.putFilterMetadata(ns, s);
            }
        }
        return m.build();
    }

    private static LocalReply local(ImmediateResponse ir) {
        HeaderList h = new HeaderList();
        try {
            HeaderMutations.applyExtProc(h, ir.getHeaders());
        } catch (HeaderMutations.Rejected e) {
            h = new HeaderList(); // sendImmediateResponse logs the failure and sends the reply without them
        }
        byte[] body = ir.getBody().toByteArray();
        if (body.length > 0 && !h.contains("content-type")) {
            h.set("content-type", "text/plain");
        }
        int status = ir.getStatus().getCodeValue() >= 200 ? ir.getStatus().getCodeValue() : 200;
        return new LocalReply(status, h, body, ir.getDetails());
    }

    private static HeaderMap headerMap(HeaderList headers) {
        HeaderMap.Builder m = HeaderMap.newBuilder();
        for (Map.Entry<String, String> e : headers.entries()) {
            m.addHeaders(HeaderValue.newBuilder().setKey(e.getKey().toLowerCase(java.util.Locale.ROOT))
                    .setRawValue(ByteString.copyFrom(e.getValue(), StandardCharsets.ISO_8859_1)));
        }
        return m.build();
    }
}

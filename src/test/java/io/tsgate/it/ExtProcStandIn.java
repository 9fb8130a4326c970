package io.tsgate.it;

import com.google.protobuf.ByteString;
import com.google.protobuf.Struct;
import io.envoyproxy.envoy.config.core.v3.HeaderMap;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.BodySendMode;
import io.envoyproxy.envoy.service.ext_proc.v3.CommonResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.HeaderMutation;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpBody;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders;
import io.envoyproxy.envoy.service.ext_proc.v3.ImmediateResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.grpc.Channel;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Stands in for Envoy's {@code envoy.filters.http.ext_proc} filter (v1.34) as envoy/*.yaml configures it:
 * {@code request_header_mode: SEND}, {@code response_header_mode: SKIP}, {@code request_body_mode: NONE},
 * {@code allow_mode_override: true}, {@code failure_mode_allow: false},
 * {@code metadata_options.forwarding_namespaces.untyped: [envoy.filters.http.ext_authz]}.
 *
 * <p>Per request it opens one {@code Process} stream and sends the request headers (lower-case keys, values in
 * {@code raw_value}, {@code end_of_stream} when there is no body) with the forwarded dynamic metadata in
 * {@code metadata_context.filter_metadata}. The reply's {@code mode_override} is honoured only when
 * {@code allow_mode_override}; in BUFFERED mode the whole body goes in one {@code request_body} message with
 * {@code end_of_stream: true}, or, above the buffer limit, the client gets 413 without tsgate seeing it. An
 * {@code immediate_response} becomes the local reply; a stream error or a reply past the message timeout becomes
 * 500 (fail closed). Only the request path is modelled: STREAMED body modes and response processing are not.
 */
public final class ExtProcStandIn {
    /** The filter's settings; {@link #envoyYaml()} are those of envoy/*.yaml. */
    public record Settings(BodySendMode requestBodyMode, boolean allowModeOverride, List<String> forwardingNamespaces,
                           int bufferLimitBytes, Duration messageTimeout) {
        public static Settings envoyYaml() {
            return new Settings(BodySendMode.NONE, true, List.of("envoy.filters.http.ext_authz"), 8 << 20,
                    Duration.ofSeconds(2));
        }

        public Settings withAllowModeOverride(boolean allow) {
            return new Settings(requestBodyMode, allow, forwardingNamespaces, bufferLimitBytes, messageTimeout);
        }

        public Settings withBufferLimit(int bytes) {
            return new Settings(requestBodyMode, allowModeOverride, forwardingNamespaces, bytes, messageTimeout);
        }

        public Settings withForwardingNamespaces(List<String> namespaces) {
            return new Settings(requestBodyMode, allowModeOverride, namespaces, bufferLimitBytes, messageTimeout);
        }
    }

    /** What the filter does with the request. */
    public sealed interface Outcome permits Continue, LocalReply {
    }

    /** The request goes on upstream with these headers; {@code bodySent} tells whether the processor saw the body. */
    public record Continue(HeaderList headers, boolean bodySent) implements Outcome {
    }

    /** Envoy answers the client itself; nothing goes upstream. */
    public record LocalReply(int status, HeaderList headers, byte[] body, String details) implements Outcome {
        public String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private final ExternalProcessorGrpc.ExternalProcessorStub stub;
    private final Settings settings;
    private final List<ProcessingRequest> lastSent = new CopyOnWriteArrayList<>();
    private final List<ProcessingResponse> lastReplies = new CopyOnWriteArrayList<>();

    public ExtProcStandIn(Channel channel, Settings settings) {
        this.stub = ExternalProcessorGrpc.newStub(channel);
        this.settings = settings;
    }

    /** The messages sent on the last stream, for assertions. */
    public List<ProcessingRequest> lastSent() {
        return List.copyOf(lastSent);
    }

    /** The replies received on the last stream, for assertions. */
    public List<ProcessingResponse> lastReplies() {
        return List.copyOf(lastReplies);
    }

    /**
     * @param headers         the request headers after the filters before ext_proc (ext_authz's mutations applied);
     *                        changed in place by header mutations
     * @param dynamicMetadata the stream's dynamic metadata by namespace (ext_authz's under envoy.filters.http.ext_authz)
     */
    public Outcome process(HeaderList headers, byte[] body, Map<String, Struct> dynamicMetadata) {
        lastSent.clear();
        lastReplies.clear();
        BlockingQueue<Object> replies = new LinkedBlockingQueue<>();
        StreamObserver<ProcessingRequest> stream = stub.process(new StreamObserver<>() {
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
            }
        });
        try {
            Metadata metadata = forwarded(dynamicMetadata);
            send(stream, ProcessingRequest.newBuilder().setRequestHeaders(HttpHeaders.newBuilder()
                    .setHeaders(headerMap(headers)).setEndOfStream(body.length == 0)).setMetadataContext(metadata).build());
            ProcessingResponse r = await(replies);
            if (r == null) {
                return failure(stream);
            }
            if (r.hasImmediateResponse()) {
                return local(stream, r.getImmediateResponse());
            }
            if (!r.hasRequestHeaders()) {
                return failure(stream); // a reply to a message Envoy did not send: spurious, the stream fails
            }
            apply(headers, r.getRequestHeaders().getResponse());
            BodySendMode mode = settings.requestBodyMode();
            if (r.hasModeOverride() && settings.allowModeOverride()) {
                mode = r.getModeOverride().getRequestBodyMode();
            }
            boolean bodySent = false;
            if (body.length > 0 && mode != BodySendMode.NONE) {
                if (mode != BodySendMode.BUFFERED) {
                    throw new UnsupportedOperationException("stand-in models only BUFFERED bodies, not " + mode);
                }
                if (body.length > settings.bufferLimitBytes()) {
                    stream.onCompleted();
                    HeaderList h = new HeaderList();
                    h.set("content-type", "text/plain");
                    return new LocalReply(413, h, "Payload Too Large".getBytes(StandardCharsets.UTF_8), "request_payload_too_large");
                }
                send(stream, ProcessingRequest.newBuilder().setRequestBody(HttpBody.newBuilder()
                        .setBody(ByteString.copyFrom(body)).setEndOfStream(true)).setMetadataContext(metadata).build());
                bodySent = true;
                r = await(replies);
                if (r == null) {
                    return failure(stream);
                }
                if (r.hasImmediateResponse()) {
                    return local(stream, r.getImmediateResponse());
                }
                if (!r.hasRequestBody()) {
                    return failure(stream);
                }
                apply(headers, r.getRequestBody().getResponse());
            }
            stream.onCompleted();
            return new Continue(headers, bodySent);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void send(StreamObserver<ProcessingRequest> stream, ProcessingRequest r) {
        lastSent.add(r);
        stream.onNext(r);
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

    private ProcessingResponse await(BlockingQueue<Object> replies) throws InterruptedException {
        Object o = replies.poll(settings.messageTimeout().toMillis(), TimeUnit.MILLISECONDS);
        if (o instanceof ProcessingResponse r) {
            lastReplies.add(r);
            return r;
        }
        return null;
    }

    private static LocalReply failure(StreamObserver<ProcessingRequest> stream) {
        stream.onError(new IllegalStateException("ext_proc stream failed"));
        return new LocalReply(500, new HeaderList(), new byte[0], "ext_proc_error");
    }

    private static LocalReply local(StreamObserver<ProcessingRequest> stream, ImmediateResponse ir) {
        stream.onCompleted();
        HeaderList h = new HeaderList();
        HeaderMutations.apply(h, rawToValue(ir.getHeaders().getSetHeadersList()), HeaderMutations.Side.DOWNSTREAM_RESPONSE);
        byte[] body = ir.getBody().toByteArray();
        if (body.length > 0 && !h.contains("content-type")) {
            h.set("content-type", "text/plain");
        }
        int status = ir.getStatus().getCodeValue() == 0 ? 200 : ir.getStatus().getCodeValue();
        return new LocalReply(status, h, body, ir.getDetails());
    }

    private static void apply(HeaderList headers, CommonResponse response) {
        HeaderMutation m = response.getHeaderMutation();
        HeaderMutations.apply(headers, rawToValue(m.getSetHeadersList()), HeaderMutations.Side.UPSTREAM_REQUEST);
        for (String name : m.getRemoveHeadersList()) {
            if (HeaderMutations.isRemovable(name)) {
                headers.remove(name);
            }
        }
    }

    /** Envoy v1.34 reads mutation values from raw_value. */
    private static List<HeaderValueOption> rawToValue(List<HeaderValueOption> options) {
        List<HeaderValueOption> out = new ArrayList<>();
        for (HeaderValueOption o : options) {
            HeaderValue h = o.getHeader();
            String v = h.getRawValue().isEmpty() ? h.getValue() : h.getRawValue().toString(StandardCharsets.UTF_8);
            out.add(o.toBuilder().setHeader(h.toBuilder().setValue(v).clearRawValue()).build());
        }
        return out;
    }

    private static HeaderMap headerMap(HeaderList headers) {
        HeaderMap.Builder m = HeaderMap.newBuilder();
        for (Map.Entry<String, String> e : headers.entries()) {
            m.addHeaders(HeaderValue.newBuilder().setKey(e.getKey().toLowerCase(java.util.Locale.ROOT))
                    .setRawValue(ByteString.copyFromUtf8(e.getValue())));
        }
        return m.build();
    }
}

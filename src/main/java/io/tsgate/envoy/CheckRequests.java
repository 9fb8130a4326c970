package io.tsgate.envoy;

import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.tsgate.request.BodyCompleteness;
import io.tsgate.request.RequestAttributes;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/** Envoy's {@code CheckRequest} → {@link RequestAttributes}. */
final class CheckRequests {
    /** Zero bytes cannot be written to, so every body-less request shares one array. */
    private static final byte[] NO_BODY = new byte[0];

    /**
     * Reads a Check request's bytes into attributes: {@link CheckRequestReader} for what it takes, else protobuf's
     * generated parser and {@link #toAttributes}; bytes protobuf refuses fail the call as they do with gRPC's own
     * protobuf marshaller (the exception it throws; gRPC answers the client {@code UNKNOWN} either way). Receive-only:
     * tsgate never sends a Check request.
     */
    static MethodDescriptor.Marshaller<RequestAttributes> marshaller(HeaderNames names) {
        return new MethodDescriptor.Marshaller<>() {
            @Override
            public InputStream stream(RequestAttributes value) {
                throw new UnsupportedOperationException("a Check request is only ever received here");
            }

            @Override
            public RequestAttributes parse(InputStream stream) {
                byte[] bytes;
                try {
                    bytes = bytesOf(stream);
                } catch (IOException e) {
                    throw Status.INTERNAL.withDescription("Failed to read the Check request").withCause(e)
                            .asRuntimeException();
                }
                RequestAttributes read = CheckRequestReader.read(bytes, 0, bytes.length, names);
                if (read != null) {
                    return read;
                }
                try {
                    return toAttributes(CheckRequest.parseFrom(bytes));
                } catch (InvalidProtocolBufferException e) {
                    throw Status.INTERNAL.withDescription("Invalid protobuf byte sequence").withCause(e)
                            .asRuntimeException();
                }
            }
        };
    }

    private CheckRequests() {
    }

    /** gRPC hands over a stream that knows its length: read it into one exact array, not in 8 KiB steps. */
    private static byte[] bytesOf(InputStream stream) throws IOException {
        int known = stream instanceof KnownLength ? stream.available() : 0;
        if (known <= 0) {
            return stream.readAllBytes();
        }
        byte[] bytes = new byte[known];
        int n = stream.readNBytes(bytes, 0, known);
        if (n < known) {
            return Arrays.copyOf(bytes, n);
        }
        int next = stream.read();
        if (next < 0) {
            return bytes;
        }
        byte[] rest = stream.readAllBytes(); // longer than announced: keep every byte all the same
        byte[] all = Arrays.copyOf(bytes, bytes.length + 1 + rest.length);
        all[bytes.length] = (byte) next;
        System.arraycopy(rest, 0, all, bytes.length + 1, rest.length);
        return all;
    }

    static RequestAttributes toAttributes(CheckRequest req) {
        AttributeContext attrs = req.getAttributes();
        AttributeContext.HttpRequest http = attrs.getRequest().getHttp();
        Map<String, String> headers;
        String pseudoPath;
        // Envoy sends lower-case keys in the headers map (attribute_context.proto requires it): read that map in
        // place; copy and lower-case only for a sender that does not, or for the raw header list.
        Map<String, String> sent = http.getHeadersMap(); // a new wrapper per call: asked once
        Map<String, String> view = sent.isEmpty() ? null : PseudoHeaderFreeView.over(sent);
        if (view != null) {
            headers = view;
            pseudoPath = http.getPath().isEmpty() ? sent.getOrDefault(":path", "") : "";
        } else {
            Map<String, String> copy = lowerCased(http);
            pseudoPath = copy.getOrDefault(":path", "");
            copy.keySet().removeIf(k -> k.startsWith(":"));
            headers = copy;
        }
        byte[] body = body(http);
        String path = http.getPath().isEmpty() ? pseudoPath : http.getPath();
        boolean complete = BodyCompleteness.isComplete(http.getMethod(), body.length, http.getSize(), headers);
        // Context extensions come from Envoy's route configuration, never from the client.
        return new RequestAttributes(http.getMethod(), path, headers, body, complete,
                attrs.getSource().getAddress().getSocketAddress().getAddress(), attrs.getContextExtensionsMap());
    }


    private static byte[] body(AttributeContext.HttpRequest http) {
        if (!http.getRawBody().isEmpty()) {
            return http.getRawBody().toByteArray();
        }
        return http.getBody().isEmpty() ? NO_BODY : http.getBodyBytes().toByteArray();
    }

    private static Map<String, String> lowerCased(AttributeContext.HttpRequest http) {
        Map<String, String> out = new HashMap<>(Math.max(16, http.getHeadersCount() * 2));
        if (http.getHeadersCount() > 0) {
            for (Map.Entry<String, String> e : http.getHeadersMap().entrySet()) {
                out.put(e.getKey().toLowerCase(Locale.ROOT), e.getValue());
            }
        } else {
            for (HeaderValue h : http.getHeaderMap().getHeadersList()) {
                String v = h.getRawValue().isEmpty() ? h.getValue() : h.getRawValue().toString(StandardCharsets.UTF_8);
                out.merge(h.getKey().toLowerCase(Locale.ROOT), v, (a, b) -> a + "," + b);
            }
        }
        return out;
    }
}

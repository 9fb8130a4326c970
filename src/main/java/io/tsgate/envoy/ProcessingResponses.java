package io.tsgate.envoy;

import com.google.protobuf.BoolValue;
import com.google.protobuf.ByteString;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode;
import io.envoyproxy.envoy.service.ext_proc.v3.BodyResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.HeaderMutation;
import io.envoyproxy.envoy.service.ext_proc.v3.HeadersResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ImmediateResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.TrailersResponse;
import io.envoyproxy.envoy.type.v3.HttpStatus;
import io.envoyproxy.envoy.type.v3.StatusCode;
import io.tsgate.policy.Deny;
import io.tsgate.policy.ResponseHeaders;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The ext_proc replies tsgate sends. Header values go in {@code raw_value}, as Envoy v1.34 reads them. The mode
 * override asks for a BUFFERED request body and spells out every other mode as envoy/*.yaml sets them: some Envoy
 * releases apply an override as a whole mode (DEFAULT header modes then mean SEND), newer ones read DEFAULT as "no
 * change"; the explicit form means the same to both. Envoy honours it only with {@code allow_mode_override: true}
 * (and, when {@code allowed_override_modes} is set, only if this exact mode is listed).
 */
final class ProcessingResponses {
    static final ProcessingResponse CONTINUE_REQUEST_HEADERS = ProcessingResponse.newBuilder()
            .setRequestHeaders(HeadersResponse.getDefaultInstance()).build();
    static final ProcessingResponse BUFFER_REQUEST_BODY = ProcessingResponse.newBuilder()
            .setRequestHeaders(HeadersResponse.getDefaultInstance())
            .setModeOverride(ProcessingMode.newBuilder()
                    .setRequestHeaderMode(ProcessingMode.HeaderSendMode.SEND)
                    .setRequestBodyMode(ProcessingMode.BodySendMode.BUFFERED)
                    .setRequestTrailerMode(ProcessingMode.HeaderSendMode.SKIP)
                    .setResponseHeaderMode(ProcessingMode.HeaderSendMode.SKIP)
                    .setResponseBodyMode(ProcessingMode.BodySendMode.NONE)
                    .setResponseTrailerMode(ProcessingMode.HeaderSendMode.SKIP))
            .build();
    static final ProcessingResponse CONTINUE_REQUEST_BODY = ProcessingResponse.newBuilder()
            .setRequestBody(BodyResponse.getDefaultInstance()).build();
    static final ProcessingResponse CONTINUE_RESPONSE_HEADERS = ProcessingResponse.newBuilder()
            .setResponseHeaders(HeadersResponse.getDefaultInstance()).build();
    static final ProcessingResponse CONTINUE_RESPONSE_BODY = ProcessingResponse.newBuilder()
            .setResponseBody(BodyResponse.getDefaultInstance()).build();
    static final ProcessingResponse CONTINUE_REQUEST_TRAILERS = ProcessingResponse.newBuilder()
            .setRequestTrailers(TrailersResponse.getDefaultInstance()).build();
    static final ProcessingResponse CONTINUE_RESPONSE_TRAILERS = ProcessingResponse.newBuilder()
            .setResponseTrailers(TrailersResponse.getDefaultInstance()).build();

    private final Map<String, String> securityHeaders;

    ProcessingResponses(Map<String, String> securityHeaders) {
        this.securityHeaders = securityHeaders;
    }

    /** Ends the request with {@code d}'s status and Prometheus-style JSON body; nothing reaches the upstream. */
    ProcessingResponse deny(Deny d) {
        HeaderMutation.Builder headers = HeaderMutation.newBuilder().addSetHeaders(header("content-type", "application/json"));
        d.headers().forEach((k, v) -> headers.addSetHeaders(header(k, v)));
        securityHeaders.forEach((k, v) -> headers.addSetHeaders(header(k, v)));
        return ProcessingResponse.newBuilder().setImmediateResponse(ImmediateResponse.newBuilder()
                .setStatus(HttpStatus.newBuilder().setCode(StatusCode.forNumber(d.status())))
                .setHeaders(headers)
                .setBody(ByteString.copyFrom(ResponseHeaders.errorBody(d), StandardCharsets.UTF_8))
                .setDetails("tsgate_" + d.reason())).build();
    }

    private static HeaderValueOption header(String key, String value) {
        return HeaderValueOption.newBuilder()
                .setHeader(HeaderValue.newBuilder().setKey(key).setRawValue(ByteString.copyFromUtf8(value)))
                // Envoy v1.34 reads only append (absent means false) and only raw_value.
                .setAppend(BoolValue.of(false))
                .setAppendAction(HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD)
                .build();
    }
}

package io.tsgate.envoy;

import com.google.protobuf.BoolValue;
import com.google.protobuf.Value;
import com.google.rpc.Code;
import com.google.rpc.Status;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.envoyproxy.envoy.service.auth.v3.DeniedHttpResponse;
import io.envoyproxy.envoy.service.auth.v3.OkHttpResponse;
import io.envoyproxy.envoy.type.v3.HttpStatus;
import io.envoyproxy.envoy.type.v3.StatusCode;
import io.tsgate.policy.Allow;
import io.tsgate.policy.Decision;
import io.tsgate.policy.Deny;
import io.tsgate.policy.ResponseHeaders;
import io.tsgate.request.Backend;
import io.tsgate.request.RequestClass;
import java.util.List;
import java.util.Map;

/**
 * {@link Decision} → Envoy's {@code CheckResponse}. An allow rewrites {@code :path} through
 * {@code OkHttpResponse.headers} with OVERWRITE_IF_EXISTS_OR_ADD (query_parameters_to_set keeps one value per key, so
 * repeated {@code extra_filters[]} need the whole path), sets x-tsgate-tenant/x-tsgate-class and removes the
 * credential, tenant and forged x-tsgate-* headers, and sets the headers the decision sets (VictoriaLogs' and
 * VictoriaTraces' tenant headers, overwriting the client's). A deny carries the HTTP status, a Prometheus-style JSON body,
 * its own headers (WWW-Authenticate on 401, Retry-After on 429) and the configured security headers.
 */
final class CheckResponses {
    static final Status OK = Status.newBuilder().setCode(Code.OK_VALUE).build();
    private static final BoolValue NO_APPEND = BoolValue.of(false);
    private final Map<String, String> securityHeaders;

    CheckResponses(Map<String, String> securityHeaders) {
        this(securityHeaders, List.of());
    }

    /** @param alwaysRemoved the list an allow carries when only the usual headers go: its responses are prepared */
    CheckResponses(Map<String, String> securityHeaders, List<String> alwaysRemoved) {
        this.securityHeaders = securityHeaders;
        this.identities = new PreparedIdentities(alwaysRemoved);
    }

    CheckReply of(Decision d) {
        return d instanceof Allow a ? allow(a) : CheckReply.of(deny((Deny) d));
    }

    // Per request class, built once: the x-tsgate-class header.
    private static final HeaderValueOption[] CLASS_HEADERS = new HeaderValueOption[RequestClass.values().length];

    static {
        for (RequestClass c : RequestClass.values()) {
            CLASS_HEADERS[c.ordinal()] = overwrite(ResponseHeaders.CLASS, c.label());
        }
    }

    private final PreparedIdentities identities;

    private CheckReply allow(Allow a) {
        if (a.backend() != Backend.METRICS || !a.setHeaders().isEmpty() || !a.tenant().equals(a.access().tenant())) {
            return CheckReply.of(allowOther(a));
        }
        PreparedIdentities.Entry identity = identities.of(a.access());
        RequestClass c = a.requestClass();
        if (a.removeHeaders() == identities.alwaysRemoved()) {
            // the usual case: only :path is new; the rest is written from the identity's prepared bytes
            return CheckReply.encoded(identity.encodeAllow(c, a.path()));
        }
        OkHttpResponse.Builder ok = OkHttpResponse.newBuilder()
                .addHeaders(overwrite(":path", a.path()))
                .addHeaders(identity.tenantHeader())
                .addHeaders(classHeader(c))
                .addAllHeadersToRemove(a.removeHeaders());
        return CheckReply.of(CheckResponse.newBuilder().setStatus(OK).setOkResponse(ok)
                .setDynamicMetadata(identity.metadata(c)).build());
    }

    /** A logs or traces allow: its tenant and headers come from the backend's grant, not the prepared identity. */
    private CheckResponse allowOther(Allow a) {
        String tenant = a.tenant().toString();
        int c = a.requestClass().ordinal();
        OkHttpResponse.Builder ok = OkHttpResponse.newBuilder()
                .addHeaders(overwrite(":path", a.path()))
                .addHeaders(overwrite(ResponseHeaders.TENANT, tenant))
                .addHeaders(CLASS_HEADERS[c])
                .addAllHeadersToRemove(a.removeHeaders());
        a.setHeaders().forEach((k, v) -> ok.addHeaders(overwrite(k, v)));
        return CheckResponse.newBuilder().setStatus(OK).setOkResponse(ok)
                .setDynamicMetadata(AuthzMetadata.of(tenant, a.access(), a.requestClass(), a.backend())).build();
    }

    static HeaderValueOption classHeader(RequestClass c) {
        return CLASS_HEADERS[c.ordinal()];
    }

    private CheckResponse deny(Deny d) {
        DeniedHttpResponse.Builder denied = DeniedHttpResponse.newBuilder()
                .setStatus(HttpStatus.newBuilder().setCode(StatusCode.forNumber(d.status())))
                .addHeaders(overwrite("content-type", "application/json"))
                .setBody(ResponseHeaders.errorBody(d));
        d.headers().forEach((k, v) -> denied.addHeaders(overwrite(k, v)));
        securityHeaders.forEach((k, v) -> denied.addHeaders(overwrite(k, v)));
        Status status = Status.newBuilder().setCode(grpcCode(d.status())).setMessage(d.reason()).build();
        return CheckResponse.newBuilder().setStatus(status).setDeniedResponse(denied).build();
    }

    static int grpcCode(int httpStatus) {
        return switch (httpStatus) {
            case 400 -> Code.INVALID_ARGUMENT_VALUE;
            case 401 -> Code.UNAUTHENTICATED_VALUE;
            case 429 -> Code.RESOURCE_EXHAUSTED_VALUE;
            default -> Code.PERMISSION_DENIED_VALUE;
        };
    }

    static HeaderValueOption overwrite(String key, String value) {
        return HeaderValueOption.newBuilder()
                .setHeader(HeaderValue.newBuilder().setKey(key).setValue(value))
                // Envoy v1.34 reads only append for these (absent means false); newer releases read append_action.
                .setAppend(NO_APPEND)
                .setAppendAction(HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD)
                .build();
    }

    static Value str(String s) {
        return Value.newBuilder().setStringValue(s).build();
    }
}

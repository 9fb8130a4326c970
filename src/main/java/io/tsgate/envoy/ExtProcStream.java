package io.tsgate.envoy;

import com.google.protobuf.ByteString;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpBody;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.grpc.stub.StreamObserver;
import io.prometheus.metrics.core.datapoints.Timer;
import io.tsgate.auth.Label;
import io.tsgate.auth.Tenant;
import io.tsgate.ingest.ExtraLabels;
import io.tsgate.ingest.MalformedBodyException;
import io.tsgate.ingest.WriteCount;
import io.tsgate.ingest.WriteFormat;
import io.tsgate.limits.FailSafeLimiter;
import io.tsgate.limits.LimitVerdict;
import io.tsgate.policy.Deny;
import io.tsgate.policy.LimitDenials;
import io.tsgate.request.BadRequestException;
import io.tsgate.request.QueryParam;
import io.tsgate.request.QueryStrings;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One HTTP request's ext_proc stream. Envoy sends request headers, then (when asked for) the whole body in one
 * message with {@code end_of_stream}; each message gets exactly one reply. Replies may come from the limiter's thread,
 * so writes to {@code out} are serialised on this object.
 */
final class ExtProcStream implements StreamObserver<ProcessingRequest> {
    private final ExtProcService service;
    private final StreamObserver<ProcessingResponse> out;

    private Tenant tenant;
    private String subject = "";
    private String path = "";
    private String contentEncoding;
    private int contentEncodings;
    private WriteFormat format;
    private Map<String, String> args = Map.of();
    private ExtraLabels extraLabels = ExtraLabels.NONE;
    private boolean awaitingBody;
    private ByteString bodySoFar = ByteString.EMPTY;
    private boolean pending;
    private boolean halfClosed;
    private boolean closed;

    ExtProcStream(ExtProcService service, StreamObserver<ProcessingResponse> out) {
        this.service = service;
        this.out = out;
    }

    @Override
    public void onNext(ProcessingRequest request) {
        switch (request.getRequestCase()) {
            case REQUEST_HEADERS -> send(onHeaders(request.getRequestHeaders(), request));
            case REQUEST_BODY -> onBody(request.getRequestBody());
            case RESPONSE_HEADERS -> send(ProcessingResponses.CONTINUE_RESPONSE_HEADERS);
            case RESPONSE_BODY -> send(ProcessingResponses.CONTINUE_RESPONSE_BODY);
            case REQUEST_TRAILERS -> send(ProcessingResponses.CONTINUE_REQUEST_TRAILERS);
            case RESPONSE_TRAILERS -> send(ProcessingResponses.CONTINUE_RESPONSE_TRAILERS);
            default -> { }
        }
    }

    private ProcessingResponse onHeaders(HttpHeaders headers, ProcessingRequest request) {
        String query = readHeaders(headers);
        format = WriteFormat.ofPath(path);
        Struct authz = request.getMetadataContext().getFilterMetadataMap().get(ExtProcService.AUTHZ_NAMESPACE);
        if (authz == null) {
            if (format == null) {
                service.skipped("not_write");
                return ProcessingResponses.CONTINUE_REQUEST_HEADERS;
            }
            // Without ext_authz's verdict the tenant is unknown; counting cannot be skipped safely.
            return deny(new Deny(403, "ext_proc_no_authz_metadata", "ext_proc received no " + ExtProcService.AUTHZ_NAMESPACE
                    + " metadata: set metadata_options.forwarding_namespaces.untyped: [" + ExtProcService.AUTHZ_NAMESPACE
                    + "] in the ext_proc filter and keep ext_authz before it", "", ""));
        }
        subject = string(authz, "subject");
        if (!"write".equals(string(authz, "class")) || format == WriteFormat.STORES_NOTHING) {
            service.skipped("not_write");
            return ProcessingResponses.CONTINUE_REQUEST_HEADERS;
        }
        if (format == null) {
            format = WriteFormat.UNCOUNTABLE; // a write endpoint tsgate has no decoder for: never passed as countable
        }
        tenant = tenant(string(authz, "tenant"));
        if (tenant == null) {
            return deny(new Deny(403, "ext_proc_bad_authz_metadata", "ext_authz metadata carries no valid tenant", "", subject));
        }
        if (!service.limiter.countsWrites(tenant)) {
            service.skipped("no_write_limits");
            return ProcessingResponses.CONTINUE_REQUEST_HEADERS;
        }
        return limitedWrite(headers.getEndOfStream(), query);
    }

    /** :path (split into path and query) and content-encoding; returns the raw query. */
    private String readHeaders(HttpHeaders headers) {
        String query = "";
        for (HeaderValue h : headers.getHeaders().getHeadersList()) {
            if (h.getKey().equals(":path")) {
                String p = value(h);
                int q = p.indexOf('?');
                path = q < 0 ? p : p.substring(0, q);
                query = q < 0 ? "" : p.substring(q + 1);
            } else if (h.getKey().equals("content-encoding")) {
                contentEncodings++;
                if (contentEncoding == null) {
                    contentEncoding = value(h);
                }
            }
        }
        return query;
    }

    /** A write of a tenant whose writes are counted: ask for the body, or decide without it. */
    private ProcessingResponse limitedWrite(boolean endOfStream, String query) {
        if (!format.countable()) {
            if (service.denyUncountable) {
                return deny(new Deny(403, "write_format_uncountable", "tenant " + tenant + " has row or series limits and "
                        + "this write format cannot be counted (-ratelimit.uncountableWrites=deny); use remote write, "
                        + "JSON line, Prometheus text, CSV, Influx or OpenTSDB", tenant.toString(), subject));
            }
            service.skipped("uncountable_allowed");
            return ProcessingResponses.CONTINUE_REQUEST_HEADERS;
        }
        if (endOfStream) {
            service.skipped("empty_body");
            return ProcessingResponses.CONTINUE_REQUEST_HEADERS;
        }
        if (contentEncodings > 1) {
            // VictoriaMetrics reads the first (Go's Header.Get); a proxy on the way may keep another or join them.
            return deny(new Deny(400, "write_encoding_unsupported", "Content-Encoding is sent " + contentEncodings
                    + " times; a counted write must send it once", tenant.toString(), subject));
        }
        try {
            readArgs(query);
        } catch (BadRequestException e) {
            return deny(new Deny(400, "write_query_malformed", e.getMessage(), tenant.toString(), subject));
        }
        awaitingBody = true;
        return ProcessingResponses.BUFFER_REQUEST_BODY;
    }

    private void readArgs(String query) throws BadRequestException {
        Map<String, String> a = new HashMap<>();
        List<Label> extra = new ArrayList<>();
        for (QueryParam p : QueryStrings.parse(query)) {
            if (p.name().equals("extra_label")) {
                int eq = p.value().indexOf('=');
                if (eq > 0) {
                    extra.add(new Label(p.value().substring(0, eq), p.value().substring(eq + 1)));
                }
            } else {
                a.putIfAbsent(p.name(), p.value()); // VictoriaMetrics reads the first of repeated arguments
            }
        }
        args = a;
        extraLabels = ExtraLabels.of(extra);
    }

    private void onBody(HttpBody body) {
        if (!awaitingBody) {
            send(ProcessingResponses.CONTINUE_REQUEST_BODY);
            return;
        }
        // BUFFERED sends the whole body in one message; anything else is gathered here and answered once at the end.
        bodySoFar = bodySoFar.concat(body.getBody());
        if (bodySoFar.size() > service.counter.maxBodyBytes()) {
            awaitingBody = false;
            send(deny(new Deny(413, "write_body_too_large", "write body exceeds -ingest.maxBodyBytes="
                    + service.counter.maxBodyBytes(), tenant.toString(), subject)));
            return;
        }
        if (!body.getEndOfStream()) {
            return;
        }
        awaitingBody = false;
        WriteCount count;
        try (Timer ignored = service.countSeconds.startTimer()) {
            count = service.counter.count(format, contentEncoding, args, extraLabels, bodySoFar.toByteArray());
        } catch (MalformedBodyException e) {
            send(deny(new Deny(e.status(), e.reason(), e.getMessage(), tenant.toString(), subject)));
            return;
        }
        service.counted(format, count.rows(), count.series(), bodySoFar.size(), count.decodedBytes());
        bodySoFar = ByteString.EMPTY;
        admit(count);
    }

    /** Asks the limiter; its answer, on whatever thread it completes, is the reply to the body. */
    private void admit(WriteCount count) {
        synchronized (this) {
            pending = true;
        }
        service.limiter.admitWrite(tenant, count.rows(), count.seriesHashes()).whenComplete((verdict, error) -> {
            ProcessingResponse reply;
            if (error != null) {
                reply = deny(LimitDenials.of(FailSafeLimiter.UNAVAILABLE).withIdentity(tenant.toString(), subject));
            } else if (verdict.allowed()) {
                service.allowed();
                reply = ProcessingResponses.CONTINUE_REQUEST_BODY;
            } else {
                reply = deny(overLimit(verdict, count));
            }
            synchronized (this) {
                pending = false;
                send(reply);
                if (halfClosed) {
                    complete();
                }
            }
        });
    }

    private Deny overLimit(LimitVerdict v, WriteCount count) {
        return LimitDenials.of(v, "a write of " + count.rows() + " rows and " + count.series() + " series to tenant "
                + tenant + ": ").withIdentity(tenant.toString(), subject);
    }

    private ProcessingResponse deny(Deny d) {
        service.denied(d, path);
        return service.responses.deny(d);
    }

    private synchronized void send(ProcessingResponse r) {
        if (!closed) {
            out.onNext(r);
            if (r.hasImmediateResponse()) {
                complete();
            }
        }
    }

    private synchronized void complete() {
        if (!closed) {
            closed = true;
            out.onCompleted();
        }
    }

    @Override
    public void onError(Throwable t) {
        synchronized (this) {
            closed = true;
        }
    }

    @Override
    public synchronized void onCompleted() {
        halfClosed = true;
        if (!pending) {
            complete();
        }
    }

    private static String value(HeaderValue h) {
        return h.getRawValue().isEmpty() ? h.getValue() : h.getRawValue().toString(StandardCharsets.UTF_8);
    }

    private static String string(Struct s, String field) {
        Value v = s.getFieldsMap().get(field);
        return v == null ? "" : v.getStringValue();
    }

    private static Tenant tenant(String s) {
        int colon = s.indexOf(':');
        try {
            return colon < 0 ? null : new Tenant(Long.parseLong(s.substring(0, colon)), Long.parseLong(s.substring(colon + 1)));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}

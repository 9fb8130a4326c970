package io.tsgate.envoy;

import com.google.protobuf.ByteString;
import com.google.protobuf.Struct;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpBody;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.tsgate.ingest.ExtraLabels;
import io.tsgate.ingest.MalformedBodyException;
import io.tsgate.ingest.WriteCount;
import io.tsgate.limits.FailSafeLimiter;
import io.tsgate.limits.LimitVerdict;
import io.tsgate.policy.Deny;
import io.tsgate.policy.LimitDenials;
import io.tsgate.request.BadRequestException;
import io.tsgate.request.EndpointCatalogue;
import io.tsgate.request.Label;
import io.tsgate.request.QueryParam;
import io.tsgate.request.QueryStrings;
import io.tsgate.request.Tenant;
import io.tsgate.request.WriteFormat;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * One HTTP request's ext_proc stream. Envoy sends request headers, then (when asked for) the whole body in one
 * message; each message gets exactly one reply. The BUFFERED body message carries {@code end_of_stream: false} when
 * the request has trailers (Envoy v1.34 {@code ext_proc.cc} {@code onTrailers}), so when Envoy's protocol_config says
 * the filter's body mode sends one message, that message is the whole body whatever its flag. The body is counted on
 * a {@link WriteCountingPool} thread and the limiter may answer on its own, so the reply to the body comes from
 * another thread than the transport's: writes to {@code out} and the stream's state after the body are guarded by
 * this object. Fields set while reading the headers are published to the counting thread by the pool's queue.
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
    private boolean oneBodyMessage;
    private boolean bodyTaken;
    /** Read the body for what confinement needs, charge nothing: the tenant has no write limits. */
    private boolean checkOnly;
    private ByteString bodySoFar = ByteString.EMPTY;
    private boolean pending;
    private WriteCountingPool.Ticket ticket;
    private boolean bodyAnswered;
    private boolean halfClosed;
    private boolean closed;

    ExtProcStream(ExtProcService service, StreamObserver<ProcessingResponse> out) {
        this.service = service;
        this.out = out;
        if (out instanceof ServerCallStreamObserver<ProcessingResponse> call) {
            // Called on cancellation even after Envoy half-closed (when onError is not); also makes a late onNext a
            // no-op instead of an exception on the counting or limiter thread.
            call.setOnCancelHandler(this::onCancel);
        }
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
        oneBodyMessage = sendsBodyInOneMessage(request);
        String query = readHeaders(headers);
        format = EndpointCatalogue.writeFormat(path);
        Struct authz = request.getMetadataContext().getFilterMetadataMap().get(AuthzMetadata.NAMESPACE);
        if (authz == null) {
            if (format == null) {
                service.skipped("not_write");
                return ProcessingResponses.CONTINUE_REQUEST_HEADERS;
            }
            // Without ext_authz's verdict the tenant is unknown; counting cannot be skipped safely.
            return deny(new Deny(403, "ext_proc_no_authz_metadata", "ext_proc received no " + AuthzMetadata.NAMESPACE
                    + " metadata: set metadata_options.forwarding_namespaces.untyped: [" + AuthzMetadata.NAMESPACE
                    + "] in the ext_proc filter and keep ext_authz before it", "", ""));
        }
        subject = AuthzMetadata.subject(authz);
        if (!AuthzMetadata.isMetrics(authz)) {
            // Logs and traces writes are not counted against limits (their bodies are no samples).
            service.skipped("not_metrics");
            return ProcessingResponses.CONTINUE_REQUEST_HEADERS;
        }
        if (!AuthzMetadata.isWrite(authz) || format == WriteFormat.STORES_NOTHING) {
            service.skipped("not_write");
            return ProcessingResponses.CONTINUE_REQUEST_HEADERS;
        }
        if (format == null) {
            format = WriteFormat.UNCOUNTABLE; // a write endpoint tsgate has no decoder for: never passed as countable
        }
        tenant = AuthzMetadata.tenant(authz);
        if (tenant == null) {
            return deny(new Deny(403, "ext_proc_bad_authz_metadata", "ext_authz metadata carries no valid tenant", "", subject));
        }
        if (!service.limiter.countsWrites(tenant)) {
            if (!format.countable() || !confinedByPath(query)) {
                service.skipped("no_write_limits");
                return ProcessingResponses.CONTINUE_REQUEST_HEADERS;
            }
            // A confined write of a tenant without write limits: nothing is charged, but its body is still read,
            // because VictoriaMetrics 1.79 keeps only the first 30 labels of a series and adds the token's extra
            // labels last, so a series with many labels of its own would be stored without them.
            checkOnly = true;
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

    /** True when the authorized path adds labels to what is written (extra_label): the write is confined. */
    private static boolean confinedByPath(String query) {
        try {
            for (QueryParam p : QueryStrings.parse(query)) {
                if (p.name().equals("extra_label")) {
                    return true;
                }
            }
            return false;
        } catch (BadRequestException e) {
            return true; // limitedWrite refuses it with the reason
        }
    }

    private void readArgs(String query) throws BadRequestException {
        Map<String, String> a = new HashMap<>();
        List<Label> extra = new ArrayList<>();
        for (QueryParam p : QueryStrings.parse(query)) {
            if (p.name().equals("extra_label")) {
                int eq = p.value().indexOf('=');
                if (eq <= 0) {
                    // VictoriaMetrics refuses a missing '=' and reads an empty name as the metric name, renaming
                    // every stored series: neither is a label tsgate could count the way it is stored.
                    throw new BadRequestException("write_query_malformed", "extra_label must be name=value with a "
                            + "non-empty name, not \"" + p.value() + "\"");
                }
                extra.add(new Label(p.value().substring(0, eq), p.value().substring(eq + 1)));
            } else {
                a.putIfAbsent(p.name(), p.value()); // VictoriaMetrics reads the first of repeated arguments
            }
        }
        args = a;
        extraLabels = ExtraLabels.of(extra);
    }

    private void onBody(HttpBody body) {
        if (!awaitingBody) {
            if (bodyTaken) {
                // More body after the one message tsgate counted (a route overriding the body mode to streamed):
                // what follows was not counted, so the write must not go on.
                send(deny(new Deny(400, "write_body_streamed", "the write body arrived in several messages after "
                        + "tsgate counted the first; send bodies to ext_proc BUFFERED (no per-route streaming override)",
                        tenant.toString(), subject)));
                return;
            }
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
        if (!body.getEndOfStream() && !oneBodyMessage) {
            return;
        }
        awaitingBody = false;
        bodyTaken = true;
        ByteString whole = bodySoFar;
        bodySoFar = ByteString.EMPTY;
        WriteCountingPool pool = service.pool;
        long arrived = pool.now();
        WriteCountingPool.Ticket t = pool.ticket(() -> count(whole, arrived), this::deadlinePassed);
        synchronized (this) {
            pending = true;
            ticket = t;
        }
        if (!pool.offer(t)) {
            answerBody(() -> deny(pool.overloaded(tenant.toString(), subject)));
        }
    }

    /**
     * On a counting thread: counts the body unless its stream is gone or its time is over, then asks the limiter.
     * Whichever comes first, the count or the deadline, answers; a count that lost is neither answered nor charged.
     */
    private void count(ByteString body, long arrived) {
        WriteCountingPool pool = service.pool;
        synchronized (this) {
            if (bodyAnswered) {
                return; // the deadline answered while this job was being taken off the queue
            }
            if (closed) {
                pool.dropped();
                return;
            }
        }
        long started = pool.now();
        if (pool.startedTooLate(arrived, started)) {
            answerInTime(() -> deny(pool.timedOut(tenant.toString(), subject)));
            return;
        }
        WriteCount count;
        try {
            count = service.counter.count(format, contentEncoding, args, extraLabels, body.toByteArray());
        } catch (MalformedBodyException e) {
            boolean late = pool.finishedTooLate(arrived, started, pool.now());
            answerInTime(() -> deny(late ? pool.timedOut(tenant.toString(), subject)
                    : new Deny(e.status(), e.reason(), e.getMessage(), tenant.toString(), subject)));
            return;
        }
        if (pool.finishedTooLate(arrived, started, pool.now())) {
            answerInTime(() -> deny(pool.timedOut(tenant.toString(), subject)));
            return;
        }
        if (disarmed()) {
            service.counted(format, count.rows(), count.series(), body.size(), count.decodedBytes());
            if (checkOnly) {
                answerBody(() -> ProcessingResponses.CONTINUE_REQUEST_BODY);
            } else {
                admit(count);
            }
        }
    }

    private synchronized boolean stillToAnswer() {
        return !closed && !bodyAnswered;
    }

    /** Stops the deadline; false when it fired (or the stream is gone): the count then stays unanswered. */
    private synchronized boolean disarmed() {
        return stillToAnswer() && service.pool.disarm(ticket);
    }

    /** Answers from the counting thread unless the deadline got there first. */
    private void answerInTime(Supplier<ProcessingResponse> reply) {
        if (disarmed()) {
            answerBody(reply);
        }
    }

    /** On the pool's timer: the body was not counted in time; refuse it now rather than after Envoy gives up. */
    private void deadlinePassed() {
        answerBody(() -> deny(service.pool.timedOut(tenant.toString(), subject)));
    }

    /** Asks the limiter; its answer, on whatever thread it completes, is the reply to the body. */
    private void admit(WriteCount count) {
        service.limiter.admitWrite(tenant, count.rows(), count.seriesHashes()).whenComplete((verdict, error) -> {
            answerBody(() -> {
                if (error != null) {
                    return deny(LimitDenials.of(FailSafeLimiter.UNAVAILABLE).withIdentity(tenant.toString(), subject));
                }
                if (verdict.allowed()) {
                    service.allowed();
                    return ProcessingResponses.CONTINUE_REQUEST_BODY;
                }
                return deny(overLimit(verdict, count));
            });
        });
    }

    /**
     * The one reply to the body, from any thread: the first caller sends it (built only then, so a denial is logged
     * and counted once), later ones do nothing. Completes the stream if Envoy half-closed it meanwhile.
     */
    private synchronized void answerBody(Supplier<ProcessingResponse> reply) {
        if (bodyAnswered || closed) {
            return;
        }
        bodyAnswered = true;
        pending = false;
        send(reply.get());
        if (halfClosed) {
            complete();
        }
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

    /**
     * Envoy closed the stream (the client went away, or message_timeout passed): a body still waiting is taken out
     * of the queue, one being counted is not charged, and nothing more is sent.
     */
    private void onCancel() {
        WriteCountingPool.Ticket t;
        synchronized (this) {
            closed = true;
            t = ticket;
            ticket = null;
        }
        if (t != null) {
            service.pool.withdraw(t);
        }
    }

    @Override
    public void onError(Throwable t) {
        onCancel();
    }

    @Override
    public synchronized void onCompleted() {
        halfClosed = true;
        if (!pending) {
            complete();
        }
    }

    /**
     * True when every body message Envoy sends on this stream is a whole body: the filter's own request_body_mode
     * (Envoy sends it as protocol_config with the first message, from v1.34) is NONE or BUFFERED, so the only body
     * mode the request can have is BUFFERED, tsgate's override. Without protocol_config (older Envoy) or with a
     * streaming mode, chunks are gathered until end_of_stream instead, and a body that ends in trailers times out
     * (fails closed) rather than being counted short.
     */
    private static boolean sendsBodyInOneMessage(ProcessingRequest request) {
        if (!request.hasProtocolConfig()) {
            return false;
        }
        ProcessingMode.BodySendMode mode = request.getProtocolConfig().getRequestBodyMode();
        return mode == ProcessingMode.BodySendMode.NONE || mode == ProcessingMode.BodySendMode.BUFFERED;
    }

    private static String value(HeaderValue h) {
        return h.getRawValue().isEmpty() ? h.getValue() : h.getRawValue().toString(StandardCharsets.UTF_8);
    }
}

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
import io.tsgate.ingest.MalformedBodyException;
import io.tsgate.ingest.WriteCount;
import io.tsgate.policy.Deny;
import io.tsgate.policy.WritePlan;
import io.tsgate.policy.WriteRequest;
import io.tsgate.request.EndpointCatalogue;
import io.tsgate.request.RequestAttributes;
import io.tsgate.request.RequestClass;
import io.tsgate.request.Tenant;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * One HTTP request's ext_proc stream: translates Envoy's messages for {@link io.tsgate.policy.WriteAdmission}, which
 * decides, and its answers back; every denial goes through the shared decision log and metric. Envoy sends request
 * headers, then (when asked for) the whole body in one message; each message gets exactly one reply. The BUFFERED body message carries {@code end_of_stream: false} when
 * the request has trailers (Envoy v1.34 {@code ext_proc.cc} {@code onTrailers}), so when Envoy's protocol_config says
 * the filter's body mode sends one message, that message is the whole body whatever its flag. The body is counted on
 * a {@link WriteCountingPool} thread and the limiter may answer on its own, so the reply to the body comes from
 * another thread than the transport's: writes to {@code out} and the stream's state after the body are guarded by
 * this object. Fields set while reading the headers are published to the counting thread by the pool's queue.
 */
final class ExtProcStream implements StreamObserver<ProcessingRequest> {
    private final ExtProcService service;
    private final StreamObserver<ProcessingResponse> out;

    /** The request headers, kept to describe a denial in the decision log; null until they arrive. */
    private HttpHeaders requestHeaders;
    /** When the message being answered arrived: the decision latency of a denial. */
    private volatile long decisionStart = System.nanoTime();
    private String path = "";
    private String contentEncoding;
    private int contentEncodings;
    /** Set when the body must be read: what the core decided from the headers. */
    private WritePlan.Count plan;
    private boolean awaitingBody;
    private boolean oneBodyMessage;
    private boolean bodyTaken;
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
        decisionStart = System.nanoTime();
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
        requestHeaders = headers;
        oneBodyMessage = sendsBodyInOneMessage(request);
        String query = readHeaders(headers);
        Struct authz = request.getMetadataContext().getFilterMetadataMap().get(AuthzMetadata.NAMESPACE);
        if (authz == null) {
            if (EndpointCatalogue.writeFormat(path) == null) {
                service.skipped("not_write");
                return ProcessingResponses.CONTINUE_REQUEST_HEADERS;
            }
            // Without ext_authz's verdict the tenant is unknown; counting cannot be skipped safely.
            return deny(new Deny(403, "ext_proc_no_authz_metadata", "ext_proc received no " + AuthzMetadata.NAMESPACE
                    + " metadata: set metadata_options.forwarding_namespaces.untyped: [" + AuthzMetadata.NAMESPACE
                    + "] in the ext_proc filter and keep ext_authz before it", "", ""));
        }
        String subject = AuthzMetadata.subject(authz);
        if (!AuthzMetadata.isMetrics(authz)) {
            // Logs and traces writes are not counted against limits (their bodies are no samples).
            service.skipped("not_metrics");
            return ProcessingResponses.CONTINUE_REQUEST_HEADERS;
        }
        if (!AuthzMetadata.isWrite(authz)) {
            service.skipped("not_write");
            return ProcessingResponses.CONTINUE_REQUEST_HEADERS;
        }
        Tenant tenant = AuthzMetadata.tenant(authz);
        if (tenant == null) {
            return deny(new Deny(403, "ext_proc_bad_authz_metadata", "ext_authz metadata carries no valid tenant", "",
                    subject));
        }
        WritePlan decided = service.writes.plan(new WriteRequest(tenant, subject, path, query, contentEncoding,
                contentEncodings, headers.getEndOfStream()));
        if (decided instanceof WritePlan.Pass p) {
            service.skipped(p.reason());
            return ProcessingResponses.CONTINUE_REQUEST_HEADERS;
        }
        if (decided instanceof WritePlan.Refuse r) {
            return deny(r.deny());
        }
        plan = (WritePlan.Count) decided;
        awaitingBody = true;
        return ProcessingResponses.BUFFER_REQUEST_BODY;
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

    private void onBody(HttpBody body) {
        if (!awaitingBody) {
            if (bodyTaken) {
                // More body after the one message tsgate counted (a route overriding the body mode to streamed):
                // what follows was not counted, so the write must not go on.
                send(deny(service.writes.checkBody(plan, bodySoFar.size(), true)));
                return;
            }
            send(ProcessingResponses.CONTINUE_REQUEST_BODY);
            return;
        }
        // BUFFERED sends the whole body in one message; anything else is gathered here and answered once at the end.
        bodySoFar = bodySoFar.concat(body.getBody());
        Deny tooLarge = service.writes.checkBody(plan, bodySoFar.size(), false);
        if (tooLarge != null) {
            awaitingBody = false;
            send(deny(tooLarge));
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
            answerBody(() -> deny(pool.overloaded(tenantName(), plan.subject())));
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
            answerInTime(() -> deny(pool.timedOut(tenantName(), plan.subject())));
            return;
        }
        WriteCount count;
        try {
            count = service.counter.count(plan.format(), plan.contentEncoding(), plan.args(), plan.extraLabels(),
                    body.toByteArray());
        } catch (MalformedBodyException e) {
            boolean late = pool.finishedTooLate(arrived, started, pool.now());
            answerInTime(() -> deny(late ? pool.timedOut(tenantName(), plan.subject())
                    : service.writes.malformed(plan, e)));
            return;
        }
        if (pool.finishedTooLate(arrived, started, pool.now())) {
            answerInTime(() -> deny(pool.timedOut(tenantName(), plan.subject())));
            return;
        }
        if (disarmed()) {
            service.counted(plan.format(), count.rows(), count.series(), body.size(), count.decodedBytes());
            admit(count);
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
        answerBody(() -> deny(service.pool.timedOut(tenantName(), plan.subject())));
    }

    /** Asks the core; its answer, on whatever thread the limiter completes it, is the reply to the body. */
    private void admit(WriteCount count) {
        // The stage never fails (the core turns a failed limiter into its 429); were it to, nothing answers and
        // Envoy's message_timeout fails the write closed.
        service.writes.admit(plan, count).thenAccept(refused -> answerBody(() -> {
            if (refused != null) {
                return deny(refused);
            }
            if (plan.charged()) {
                service.allowed();
            }
            return ProcessingResponses.CONTINUE_REQUEST_BODY;
        }));
    }

    private String tenantName() {
        return plan.tenant().toString();
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

    private ProcessingResponse deny(Deny d) {
        if (plan != null && d.requestClass() == null) {
            d = d.withClass(RequestClass.WRITE); // the counting pool's refusals of a body
        }
        service.denied(d, attributes(), decisionStart);
        return service.responses.deny(d);
    }

    /** The request as the decision log describes it: method, path, headers (for the client address), no body. */
    private RequestAttributes attributes() {
        String method = "";
        Map<String, String> headers = new HashMap<>();
        if (requestHeaders != null) {
            for (HeaderValue h : requestHeaders.getHeaders().getHeadersList()) {
                String name = h.getKey().toLowerCase(Locale.ROOT);
                if (name.equals(":method")) {
                    method = value(h);
                } else if (!name.startsWith(":")) {
                    headers.merge(name, value(h), (a, b) -> a + "," + b);
                }
            }
        }
        return new RequestAttributes(method, path, headers, null, true, "");
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

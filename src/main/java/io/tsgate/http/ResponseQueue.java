package io.tsgate.http;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection's owed responses, written in request order — HTTP/1.1 pipelining — even when a later one is ready
 * first (a limiter backend or a scrape still working on an earlier one). Responses written during a read batch are
 * flushed together at its end; one completed later is flushed at once. Every response gets the security headers, a
 * {@code Date}, and {@code Connection: close} when it ends the connection. Event loop only.
 */
final class ResponseQueue {
    /** Responses owed before the connection stops reading pipelined requests. */
    private static final int MAX_OWED = 64;
    /** How long a refused connection's remaining input is read and dropped before closing (Go: 500 ms). */
    private static final long LINGER_MILLIS = 500;
    private static final Logger LOG = LoggerFactory.getLogger(ResponseQueue.class);

    private final ChannelHandlerContext ctx;
    private final ReadDeadlines deadlines;
    private final Map<String, String> securityHeaders;
    /** Whether a request is being received (its headers are in, its end is not). */
    private final BooleanSupplier receiving;
    private final ArrayDeque<Owed> owed = new ArrayDeque<>();
    /** A response that closes the connection is queued or sent: later requests are dropped unread. */
    private boolean closing;
    /** The listener is shutting down: the last owed response closes the connection. */
    private boolean draining;
    /** Inside a read batch: responses written now are flushed together at its end. */
    private boolean reading;
    private boolean unflushed;

    /** A response owed, in request order; {@code response} is null until it is ready. */
    static final class Owed {
        private final boolean keepAlive;
        private final boolean http10;
        /** The listener refused the request: the client may still be sending it. */
        private final boolean refusal;
        private FullHttpResponse response;
        /** The connection ended first: a late response is released, not written. */
        private boolean dropped;

        private Owed(boolean keepAlive, boolean http10, boolean refusal) {
            this.keepAlive = keepAlive;
            this.http10 = http10;
            this.refusal = refusal;
        }
    }

    ResponseQueue(ChannelHandlerContext ctx, ReadDeadlines deadlines, Map<String, String> securityHeaders,
                  BooleanSupplier receiving) {
        this.ctx = ctx;
        this.deadlines = deadlines;
        this.securityHeaders = securityHeaders;
        this.receiving = receiving;
    }

    /** Whether the connection is ending: inbound requests are to be dropped. */
    boolean closing() {
        return closing;
    }

    /** Takes the place of a request's response; {@code keepAlive} is what the request asked for. */
    Owed expect(boolean keepAlive, boolean http10) {
        Owed o = new Owed(keepAlive && !draining, http10, false);
        owed.add(o);
        updateAutoRead();
        return o;
    }

    /** Fills {@code o} with the reply: now when it is done, else on this event loop when it completes. */
    void fulfil(Owed o, CompletableFuture<FullHttpResponse> reply) {
        if (reply.isDone()) {
            complete(o, reply);
        } else {
            reply.whenComplete((r, e) -> ctx.executor().execute(() -> complete(o, reply)));
        }
    }

    private void complete(Owed o, CompletableFuture<FullHttpResponse> reply) {
        FullHttpResponse r;
        try {
            r = reply.join();
        } catch (RuntimeException e) {
            LOG.warn("HTTP request failed: {}", e.toString());
            r = Replies.text(500, "internal error");
        }
        if (o.dropped || !ctx.channel().isActive()) {
            r.release();
            return;
        }
        o.response = r;
        writeReady();
    }

    /** A refusal: answered after the responses owed before it, then the connection closes. */
    void refuse(FullHttpResponse r) {
        Owed o = new Owed(false, false, true);
        o.response = r;
        owed.add(o);
        closing = true;
        writeReady();
    }

    private void writeReady() {
        while (!owed.isEmpty() && owed.peek().response != null) {
            Owed o = owed.poll();
            boolean keepAlive = o.keepAlive && !(draining && owed.isEmpty() && !receiving.getAsBoolean());
            FullHttpResponse r = o.response;
            decorate(r.headers(), keepAlive, o.http10);
            deadlines.responseSent();
            if (!keepAlive) {
                closing = true;
                ctx.writeAndFlush(r).addListener(o.refusal ? f -> lingeringClose() : ChannelFutureListener.CLOSE);
                release();
                return;
            }
            ctx.write(r);
            unflushed = true;
        }
        if (!reading) {
            flush();
        }
        updateAutoRead();
    }

    private void decorate(HttpHeaders h, boolean keepAlive, boolean http10) {
        securityHeaders.forEach((k, v) -> {
            if (!h.contains(k)) {
                h.set(k, v);
            }
        });
        if (!h.contains("X-Content-Type-Options")) {
            h.set("X-Content-Type-Options", "nosniff");
        }
        h.set(HttpHeaderNames.DATE, Replies.date());
        if (!keepAlive) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (http10) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
    }

    /**
     * After a refusal the client may still be sending the rest of its request; closing a socket with unread input
     * resets it, and the reset can destroy the error response before the client reads it. So, as Go's server does,
     * send FIN, drop what still arrives for a moment, then close.
     */
    private void lingeringClose() {
        if (!(ctx.channel() instanceof SocketChannel ch) || !ch.isActive()) {
            ctx.close();
            return;
        }
        ch.config().setAutoRead(true);
        ch.shutdownOutput();
        ctx.executor().schedule(() -> ctx.close(), LINGER_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** A read batch begins: writes wait for its end to be flushed together. */
    void readStarted() {
        reading = true;
    }

    void readEnded() {
        reading = false;
        flush();
    }

    private void flush() {
        if (unflushed) {
            unflushed = false;
            ctx.flush();
        }
    }

    /** Reads on only while the client takes its responses and few are owed. */
    void updateAutoRead() {
        if (closing) {
            return;
        }
        boolean read = ctx.channel().isWritable() && owed.size() < MAX_OWED;
        if (ctx.channel().config().isAutoRead() != read) {
            ctx.channel().config().setAutoRead(read);
        }
    }

    /** The listener is closing: answer what is owed, the last response with {@code Connection: close}, then close. */
    void drain() {
        draining = true;
        if (owed.isEmpty() && !receiving.getAsBoolean()) {
            closing = true;
            ctx.close();
        }
    }

    /** Forgets every owed response (the connection is ending); late ones are released when they come. */
    void release() {
        for (Owed o : owed) {
            o.dropped = true;
            if (o.response != null) {
                o.response.release();
            }
        }
        owed.clear();
    }
}

package io.tsgate.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection's requests, in order: assembles each request (headers, and the body for forward-auth), hands it to
 * {@link Endpoints} on the event loop, and writes the responses in request order — HTTP/1.1 pipelining — even when a
 * later one is ready first (a limiter backend or a scrape still working on an earlier one). Keeps the connection open
 * unless the client or a refusal says otherwise.
 *
 * <p>What one connection can hold is bounded: headers by the decoder's limits, a body by {@link #MAX_BODY} (the rest
 * is read and dropped), owed responses by {@link #MAX_OWED} and the socket's write buffer — past either, the
 * connection stops reading until the client catches up.
 */
final class ExchangeHandler extends ChannelInboundHandlerAdapter {
    /** Largest forward-auth body handed to the decision; a larger one is marked incomplete, as before. */
    static final int MAX_BODY = 1 << 20;
    /** Responses owed before the connection stops reading pipelined requests. */
    private static final int MAX_OWED = 64;
    /** How long a refused connection's remaining input is read and dropped before closing (Go: 500 ms). */
    private static final long LINGER_MILLIS = 500;
    private static final Logger LOG = LoggerFactory.getLogger(ExchangeHandler.class);

    private final Endpoints endpoints;
    private final ReadDeadlines deadlines;
    private final Refusals refusals;
    private final Map<String, String> securityHeaders;
    private final int maxHeaders;
    private final ArrayDeque<Owed> owed = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    /** The request whose body is arriving, or null between requests. */
    private Incoming incoming;
    /** A response that closes the connection is queued: later requests are dropped unread. */
    private boolean closing;
    /** The listener is shutting down: the next response closes the connection. */
    private boolean draining;
    /** Inside a read batch: responses written now are flushed together at its end. */
    private boolean reading;
    private boolean unflushed;
    private String remoteAddress;

    /** A response owed, in request order; {@code response} is null until it is ready. */
    private static final class Owed {
        final boolean keepAlive;
        final boolean http10;
        /** The listener refused the request: the client may still be sending it. */
        final boolean refusal;
        FullHttpResponse response;

        Owed(boolean keepAlive, boolean http10, boolean refusal) {
            this.keepAlive = keepAlive;
            this.http10 = http10;
            this.refusal = refusal;
        }
    }

    /** A request whose headers are in and whose body is arriving. */
    private static final class Incoming {
        final HttpRequest request;
        final String rawPath;
        final String rawQuery;
        /** Kept only for forward-auth, up to MAX_BODY + 1 bytes; null elsewhere. */
        ByteBuf body;

        Incoming(HttpRequest request, String rawPath, String rawQuery) {
            this.request = request;
            this.rawPath = rawPath;
            this.rawQuery = rawQuery;
        }
    }

    ExchangeHandler(Endpoints endpoints, ReadDeadlines deadlines, Refusals refusals, Map<String, String> securityHeaders,
                    int maxHeaders) {
        this.endpoints = endpoints;
        this.deadlines = deadlines;
        this.refusals = refusals;
        this.securityHeaders = securityHeaders;
        this.maxHeaders = maxHeaders;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        SocketAddress peer = ctx.channel().remoteAddress();
        remoteAddress = peer instanceof InetSocketAddress a && a.getAddress() != null
                ? a.getAddress().getHostAddress() : String.valueOf(peer);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        reading = true;
        try {
            if (closing) {
                return;
            }
            if (msg instanceof HttpRequest req) {
                onHeaders(req);
            }
            if (msg instanceof HttpContent content && incoming != null) {
                onContent(content);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        reading = false;
        flushIfNeeded();
        ctx.fireChannelReadComplete();
    }

    private void onHeaders(HttpRequest req) {
        DecoderResult result = req.decoderResult();
        if (result.isFailure()) {
            refuseMalformed(result.cause());
            return;
        }
        if (req.headers().size() > maxHeaders) {
            refuse(refusals.tooManyHeaders, 431, "too many header fields: at most " + maxHeaders);
            return;
        }
        URI target;
        try {
            target = new URI(req.uri());
        } catch (URISyntaxException e) {
            refuse(refusals.badRequest, 400, "bad request target: " + e.getReason());
            return;
        }
        deadlines.headersReceived();
        String rawPath = target.getRawPath() == null ? "" : target.getRawPath();
        incoming = new Incoming(req, rawPath, target.getRawQuery());
        if (rawPath.startsWith(ForwardAuthHandler.PREFIX)) {
            incoming.body = ctx.alloc().buffer(0);
        }
    }

    private void refuseMalformed(Throwable cause) {
        if (cause instanceof TooLongHttpLineException) {
            refuse(refusals.uriTooLong, 414, "request line too long");
        } else if (cause instanceof TooLongHttpHeaderException) {
            refuse(refusals.headerTooLarge, 431, "request header fields too large");
        } else {
            refuse(refusals.badRequest, 400, "bad request");
        }
    }

    private void onContent(HttpContent content) {
        if (content.decoderResult().isFailure()) {
            refuseMalformed(content.decoderResult().cause());
            return;
        }
        ByteBuf body = incoming.body;
        if (body != null) {
            int room = MAX_BODY + 1 - body.readableBytes();
            ByteBuf chunk = content.content();
            body.writeBytes(chunk, chunk.readerIndex(), Math.min(room, chunk.readableBytes()));
        }
        if (content instanceof LastHttpContent) {
            Incoming done = incoming;
            incoming = null;
            dispatch(done);
        }
    }

    /** Hands a whole request to its endpoint and queues its response. */
    private void dispatch(Incoming in) {
        deadlines.requestReceived();
        byte[] body = in.body == null ? new byte[0] : ByteBufUtil.getBytes(in.body);
        if (in.body != null) {
            in.body.release();
        }
        HttpRequest req = in.request;
        Owed o = new Owed(HttpUtil.isKeepAlive(req) && !draining, req.protocolVersion().equals(HttpVersion.HTTP_1_0),
                false);
        owed.add(o);
        CompletableFuture<FullHttpResponse> reply;
        try {
            reply = endpoints.serve(new ReceivedRequest(req.method().name(), in.rawPath, in.rawQuery, req.headers(),
                    body, remoteAddress));
        } catch (RuntimeException e) {
            reply = CompletableFuture.failedFuture(e);
        }
        if (reply.isDone()) {
            complete(o, reply);
        } else {
            CompletableFuture<FullHttpResponse> later = reply;
            reply.whenComplete((r, e) -> ctx.executor().execute(() -> complete(o, later)));
        }
        updateAutoRead();
    }

    private void complete(Owed o, CompletableFuture<FullHttpResponse> reply) {
        FullHttpResponse r;
        try {
            r = reply.join();
        } catch (RuntimeException e) {
            LOG.warn("HTTP request failed: {}", e.toString());
            r = Replies.text(500, "internal error");
        }
        if (!ctx.channel().isActive()) {
            r.release();
            return;
        }
        o.response = r;
        writeReady();
    }

    /** A refusal closes the connection after the responses owed before it. */
    private void refuse(CounterDataPoint reason, int status, String message) {
        reason.inc();
        if (incoming != null && incoming.body != null) {
            incoming.body.release();
        }
        incoming = null;
        deadlines.requestReceived();
        Owed o = new Owed(false, false, true);
        o.response = Replies.text(status, message);
        owed.add(o);
        closing = true;
        updateAutoRead();
        writeReady();
    }

    /** Writes every response whose turn has come. */
    private void writeReady() {
        while (!owed.isEmpty() && owed.peek().response != null) {
            Owed o = owed.poll();
            boolean keepAlive = o.keepAlive && !(draining && owed.isEmpty() && incoming == null);
            FullHttpResponse r = o.response;
            decorate(r.headers(), keepAlive, o.http10);
            deadlines.responseSent();
            if (!keepAlive) {
                closing = true;
                ctx.writeAndFlush(r).addListener(o.refusal ? f -> lingeringClose() : ChannelFutureListener.CLOSE);
                releaseOwed();
                return;
            }
            ctx.write(r);
            unflushed = true;
        }
        if (!reading) {
            flushIfNeeded();
        }
        updateAutoRead();
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

    private void flushIfNeeded() {
        if (unflushed) {
            unflushed = false;
            ctx.flush();
        }
    }

    /** Reads on only while the client takes its responses and few are owed. */
    private void updateAutoRead() {
        if (closing) {
            return;
        }
        boolean read = ctx.channel().isWritable() && owed.size() < MAX_OWED;
        if (ctx.channel().config().isAutoRead() != read) {
            ctx.channel().config().setAutoRead(read);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        updateAutoRead();
        ctx.fireChannelWritabilityChanged();
    }

    /** The listener is closing: answer what is owed, the last response with {@code Connection: close}, then close. */
    void drain() {
        draining = true;
        if (owed.isEmpty() && incoming == null) {
            closing = true;
            ctx.close();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        releaseOwed();
        if (incoming != null && incoming.body != null) {
            incoming.body.release();
        }
        incoming = null;
        ctx.fireChannelInactive();
    }

    private void releaseOwed() {
        for (Owed o : owed) {
            if (o.response != null) {
                o.response.release();
            }
        }
        owed.clear();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("HTTP connection from {} closed: {}", remoteAddress, cause.toString());
        ctx.close();
    }
}

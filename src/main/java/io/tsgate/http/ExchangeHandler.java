package io.tsgate.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
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
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection's requests: assembles each (headers, and the body for forward-auth), refuses the malformed and the
 * oversized, and hands each whole request to {@link Endpoints} on the event loop; the {@link ResponseQueue} writes the
 * answers in request order. Keeps the connection open unless the client or a refusal says otherwise.
 *
 * <p>What one connection can hold is bounded: headers by the decoder's limits, a body by {@link #MAX_BODY} (the rest
 * is read and dropped), owed responses and unsent bytes by the {@link ResponseQueue}, which stops reading until the
 * client catches up.
 */
final class ExchangeHandler extends ChannelInboundHandlerAdapter {
    /** Largest forward-auth body handed to the decision; a larger one is marked incomplete, as before. */
    static final int MAX_BODY = 1 << 20;
    private static final Logger LOG = LoggerFactory.getLogger(ExchangeHandler.class);

    private final Endpoints endpoints;
    private final ReadDeadlines deadlines;
    private final Refusals refusals;
    private final Map<String, String> securityHeaders;
    private final int maxHeaders;
    private ResponseQueue responses;
    /** The request whose body is arriving, or null between requests. */
    private Incoming incoming;
    private String remoteAddress;

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

        void release() {
            if (body != null) {
                body.release();
                body = null;
            }
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
        responses = new ResponseQueue(ctx, deadlines, securityHeaders, () -> incoming != null);
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
        responses.readStarted();
        try {
            if (responses.closing()) {
                return;
            }
            if (msg instanceof HttpRequest req) {
                onHeaders(ctx, req);
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
        responses.readEnded();
        ctx.fireChannelReadComplete();
    }

    private void onHeaders(ChannelHandlerContext ctx, HttpRequest req) {
        DecoderResult result = req.decoderResult();
        if (result.isFailure()) {
            refuseMalformed(result.cause());
            return;
        }
        if (req.headers().size() > maxHeaders) {
            refuse(refusals.tooManyHeaders, 431, "too many header fields: at most " + maxHeaders);
            return;
        }
        // The JDK server this replaces parsed the target with java.net.URI and answered 400 when it could not:
        // the same parse keeps the same paths, raw, for every endpoint.
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
            ByteBuf chunk = content.content();
            int room = MAX_BODY + 1 - body.readableBytes();
            body.writeBytes(chunk, chunk.readerIndex(), Math.min(room, chunk.readableBytes()));
        }
        if (content instanceof LastHttpContent) {
            Incoming done = incoming;
            incoming = null;
            dispatch(done);
        }
    }

    /** Hands a whole request to its endpoint; its response takes its place in the queue. */
    private void dispatch(Incoming in) {
        deadlines.requestReceived();
        byte[] body = in.body == null ? new byte[0] : ByteBufUtil.getBytes(in.body);
        in.release();
        HttpRequest req = in.request;
        ResponseQueue.Owed owed = responses.expect(HttpUtil.isKeepAlive(req),
                req.protocolVersion().equals(HttpVersion.HTTP_1_0));
        CompletableFuture<FullHttpResponse> reply;
        try {
            reply = endpoints.serve(new ReceivedRequest(req.method().name(), in.rawPath, in.rawQuery, req.headers(),
                    body, remoteAddress));
        } catch (RuntimeException e) {
            reply = CompletableFuture.failedFuture(e);
        }
        responses.fulfil(owed, reply);
    }

    /** Refuses the request being received; the connection closes after the responses owed before it. */
    private void refuse(CounterDataPoint reason, int status, String message) {
        reason.inc();
        if (incoming != null) {
            incoming.release();
            incoming = null;
        }
        deadlines.requestReceived();
        responses.refuse(Replies.text(status, message));
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        responses.updateAutoRead();
        ctx.fireChannelWritabilityChanged();
    }

    /** The listener is closing: see {@link ResponseQueue#drain()}. Event loop only. */
    void drain() {
        responses.drain();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        responses.release();
        if (incoming != null) {
            incoming.release();
            incoming = null;
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("HTTP connection from {} closed: {}", remoteAddress, cause.toString());
        ctx.close();
    }
}

package io.tsgate.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The read timeouts of one connection, Go's {@code http.Server} way (which VictoriaMetrics uses): a request's headers
 * must arrive within {@code -http.headerReadTimeout} of its first byte (of the accept for a new connection, so the TLS
 * handshake counts), and a connection waiting for the client — for its next request, or for more of a body — is
 * closed after {@code -http.idleConnTimeout} without a byte. While the listener owes responses no timer runs. Either
 * timeout closes the connection without a response, as Go does: the peer stopped talking.
 *
 * <p>Sits first in the pipeline, so it sees every byte before TLS and HTTP decoding; {@link ExchangeHandler} tells
 * it where each request stands.
 */
final class ReadDeadlines extends ChannelInboundHandlerAdapter {
    /** Where the client is within its next request. */
    private enum Reading { BETWEEN, HEADERS, BODY }

    private final long headerNanos;
    private final long idleNanos;
    private final Runnable onHeaderTimeout;
    private ChannelHandlerContext ctx;
    private Reading reading = Reading.HEADERS;
    private int owed;
    private static final long NONE = Long.MIN_VALUE;
    private final long step;
    private long deadline = NONE;
    private boolean headerDeadline;
    private ScheduledFuture<?> timer;

    /** @param onHeaderTimeout counts the refusal; the connection is closed after it */
    ReadDeadlines(long headerNanos, long idleNanos, Runnable onHeaderTimeout) {
        this.headerNanos = headerNanos;
        this.idleNanos = idleNanos;
        this.onHeaderTimeout = onHeaderTimeout;
        this.step = Math.min(headerNanos, idleNanos);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        arm(headerNanos, true);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (reading == Reading.BETWEEN) {
            reading = Reading.HEADERS;
            arm(headerNanos, true);
        } else if (reading == Reading.BODY) {
            arm(idleNanos, false);
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        stopTimer();
        ctx.fireChannelInactive();
    }

    /** A request's headers are complete; its body (if any) follows. */
    void headersReceived() {
        reading = Reading.BODY;
        arm(idleNanos, false);
    }

    /** A request is complete; the listener owes its response. */
    void requestReceived() {
        reading = Reading.BETWEEN;
        owed++;
        cancel();
    }

    /** A response was written; once none is owed, the wait for the client's next request begins. */
    void responseSent() {
        owed--;
        if (owed == 0 && reading == Reading.BETWEEN) {
            arm(idleNanos, false);
        }
    }

    /**
     * Sets the deadline; the timer only checks it. Requests come and go far more often than timers fire, so moving
     * the deadline is two field writes, and one pending check per connection fires at most every {@code step}.
     */
    private void arm(long nanos, boolean headers) {
        deadline = System.nanoTime() + nanos;
        headerDeadline = headers;
        if (timer == null) {
            schedule(nanos);
        }
    }

    private void schedule(long nanos) {
        timer = ctx.executor().schedule(this::check, Math.min(nanos, step), TimeUnit.NANOSECONDS);
    }

    private void check() {
        timer = null;
        if (deadline == NONE || !ctx.channel().isActive()) {
            return;
        }
        long left = deadline - System.nanoTime();
        if (left > 0) {
            schedule(left);
            return;
        }
        if (headerDeadline) {
            onHeaderTimeout.run();
        }
        ctx.close();
    }

    private void cancel() {
        deadline = NONE;
    }

    private void stopTimer() {
        deadline = NONE;
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}

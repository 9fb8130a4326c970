package io.tsgate.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tsgate.config.AuthKey;
import io.tsgate.config.HttpServerConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The HTTP listener: {@code /metrics}, {@code /health}, {@code /ready} and forward-auth ({@link Endpoints}), on Netty.
 * Every request is decided on the connection's event loop, without a hand-off, as the gRPC Check is; one event loop
 * per core serves all connections, so a slow or half-sent request holds only its own connection, and the
 * {@link ReadDeadlines} close it. Keep-alive and pipelining ({@link ExchangeHandler}), {@code TCP_NODELAY}, limits on
 * the request line, header block and header count ({@link HttpServerConfig}). Every response carries the security
 * headers.
 */
public final class AdminHttpServer implements AutoCloseable {
    /** How long {@link #close()} lets owed responses finish before closing what is left. */
    private static final long GRACE_MILLIS = 5000;
    private final CompletableFuture<Void> drainsStarted = new CompletableFuture<>();
    private final EventLoopGroup acceptor;
    private final EventLoopGroup loops;
    private final ExecutorService metricsThread;
    private final ChannelGroup connections = new DefaultChannelGroup("tsgate-http", GlobalEventExecutor.INSTANCE);
    private final Channel listener;

    /**
     * @param readiness returns null when ready, else a short reason why not
     * @param tls       the listener's TLS context, or null for plain HTTP
     */
    public AdminHttpServer(InetSocketAddress address, PrometheusRegistry registry, Supplier<String> readiness,
                           Map<String, String> securityHeaders, ForwardAuthHandler forwardAuth, SslContext tls,
                           HttpServerConfig limits) throws IOException {
        this(address, registry, readiness, securityHeaders, forwardAuth, tls == null ? null : () -> tls, limits,
                AuthKey.NONE);
    }

    /**
     * @param readiness  returns null when ready, else a short reason why not
     * @param tls        the TLS context for each new connection ({@link ServerTls#http}: the one in force when it
     *                   is accepted), or null for plain HTTP
     * @param metricsKey what {@code /metrics} requires in its {@code authKey} query arg
     */
    public AdminHttpServer(InetSocketAddress address, PrometheusRegistry registry, Supplier<String> readiness,
                           Map<String, String> securityHeaders, ForwardAuthHandler forwardAuth,
                           Supplier<SslContext> tls, HttpServerConfig limits, AuthKey metricsKey) throws IOException {
        this.acceptor = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("tsgate-http-accept", true),
                NioIoHandler.newFactory());
        this.loops = new MultiThreadIoEventLoopGroup(Runtime.getRuntime().availableProcessors(),
                new DefaultThreadFactory("tsgate-http", true), NioIoHandler.newFactory());
        this.metricsThread = Executors.newSingleThreadExecutor(new DefaultThreadFactory("tsgate-metrics", true));
        Refusals refusals = new Refusals(registry);
        Endpoints endpoints = new Endpoints(forwardAuth, new MetricsEndpoint(registry, metricsThread), readiness,
                metricsKey, refusals.wrongAuthKey::inc);
        HttpDecoderConfig decoding = new HttpDecoderConfig()
                .setMaxInitialLineLength(limits.maxHeaderBytes())
                .setMaxHeaderSize(limits.maxHeaderBytes());
        ServerBootstrap b = new ServerBootstrap()
                .group(acceptor, loops)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ReadDeadlines deadlines = new ReadDeadlines(limits.headerReadTimeout().toNanos(),
                                limits.idleConnTimeout().toNanos(), refusals.headerReadTimeout::inc);
                        ChannelPipeline p = ch.pipeline();
                        p.addLast(deadlines);
                        if (tls != null) {
                            SslHandler handshake = tls.get().newHandler(ch.alloc());
                            handshake.setHandshakeTimeoutMillis(limits.headerReadTimeout().toMillis());
                            p.addLast(handshake);
                        }
                        p.addLast(new HttpServerCodec(decoding));
                        p.addLast(new HttpServerExpectContinueHandler());
                        p.addLast(new ExchangeHandler(endpoints, deadlines, refusals, securityHeaders, limits.maxHeaders()));
                        connections.add(ch);
                    }
                });
        try {
            this.listener = b.bind(address).sync().channel();
        } catch (Exception e) {
            shutdownThreads();
            throw new IOException("cannot listen on " + address + ": " + e.getMessage(), e);
        }
    }

    /** Completes once {@link #close} has told every open connection to drain (for tests of the shutdown order). */
    CompletableFuture<Void> drainsStarted() {
        return drainsStarted;
    }

    public int port() {
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    /**
     * Stops accepting, closes idle connections, lets each busy one finish the responses it owes (the last with
     * {@code Connection: close}) for up to five seconds, then closes what is left.
     */
    @Override
    public void close() {
        close(Duration.ofMillis(GRACE_MILLIS));
    }

    /**
     * {@link #close()} with its own grace: returns the number of connections still owing a response when
     * {@code grace} ran out (closed all the same), 0 when every one finished in time.
     */
    public int close(Duration grace) {
        listener.close().awaitUninterruptibly();
        List<CompletableFuture<Void>> drains = new ArrayList<>();
        for (Channel ch : connections) {
            drains.add(CompletableFuture.runAsync(() -> {
                ExchangeHandler h = ch.pipeline().get(ExchangeHandler.class);
                if (h == null) {
                    ch.close();
                } else {
                    h.drain();
                }
            }, ch.eventLoop()));
        }
        CompletableFuture.allOf(drains.toArray(CompletableFuture[]::new))
                .whenComplete((v, e) -> drainsStarted.complete(null));
        connections.newCloseFuture().awaitUninterruptibly(grace.toMillis());
        int cut = connections.size();
        connections.close().awaitUninterruptibly(1000);
        shutdownThreads();
        return cut;
    }

    private void shutdownThreads() {
        metricsThread.shutdownNow();
        acceptor.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(2000);
    }
}

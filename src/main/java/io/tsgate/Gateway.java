package io.tsgate;

import io.grpc.Server;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tsgate.reload.ReloadMetrics;
import io.tsgate.auth.Authenticator;
import io.tsgate.config.ConfigException;
import io.tsgate.config.FlagParser;
import io.tsgate.config.FlagValues;
import io.tsgate.config.GatewayConfig;
import io.tsgate.config.ShutdownConfig;
import io.tsgate.envoy.ExtAuthzService;
import io.tsgate.envoy.ExtProcService;
import io.tsgate.envoy.WriteCountingPool;
import io.tsgate.http.AdminHttpServer;
import io.tsgate.http.ForwardAuthHandler;
import io.tsgate.http.ServerTls;
import io.tsgate.ingest.WriteBodyCounter;
import io.tsgate.limits.UnlimitedLimiter;
import io.tsgate.log.LogSettings;
import io.tsgate.policy.BodyCounting;
import io.tsgate.policy.DecisionObserver;
import io.tsgate.policy.RequestAuthorizer;
import io.tsgate.policy.WriteAdmission;
import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Wires tsgate by constructors: config → keys → verifier → decision core → gRPC and HTTP listeners. */
public final class Gateway implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);

    private final Server grpc;
    private final AdminHttpServer http;
    private final HealthStatusManager health;
    private final ScheduledExecutorService background;
    private final RateLimits limits;
    private final WriteCountingPool counting;
    private final AutoCloseable resources;
    private final Readiness readiness;
    private final ShutdownConfig shutdown;
    private final AtomicBoolean closing = new AtomicBoolean();
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();

    private Gateway(Server grpc, AdminHttpServer http, HealthStatusManager health, ScheduledExecutorService background,
                    RateLimits limits, WriteCountingPool counting, AutoCloseable resources, Readiness readiness,
                    ShutdownConfig shutdown) {
        this.resources = resources;
        this.readiness = readiness;
        this.shutdown = shutdown;
        this.counting = counting;
        this.grpc = grpc;
        this.http = http;
        this.health = health;
        this.background = background;
        this.limits = limits;
    }

    /** Parses flags (command line, environment, -config file) and starts serving. */
    public static Gateway start(String... args) throws ConfigException, IOException {
        FlagValues flags = FlagParser.parse(List.of(args), System.getenv());
        GatewayConfig config = GatewayConfig.from(flags);
        configureLogging(config);
        // vmgateway flags that tsgate takes but does not need: one line each, saying what tsgate does instead.
        for (String warning : flags.warnings()) {
            LOG.warn(warning);
        }
        return start(config, Clock.systemUTC());
    }

    private static void configureLogging(GatewayConfig config) {
        LogSettings.configure(config.log().format(), config.log().level(), config.log().output(),
                config.log().disableTimestamps(), config.log().warnsPerSecond(), config.log().errorsPerSecond());
    }

    public static Gateway start(GatewayConfig config, Clock clock) throws ConfigException, IOException {
        configureLogging(config);
        PrometheusRegistry registry = new PrometheusRegistry();
        ScheduledExecutorService background = DaemonScheduler.named("tsgate-background");
        ReloadMetrics reloads = new ReloadMetrics(registry);
        RateLimits limits = RateLimits.start(config.limits(), clock, registry, reloads);
        Components c = components(config, clock, registry, reloads, background,
                limits == null ? null : limits.limiter());
        HealthStatusManager health = new HealthStatusManager();
        ProcessMetrics.register(registry, BuildInfo.current());
        background.scheduleWithFixedDelay(LogSettings::summariseSuppressed, 1, 1, TimeUnit.SECONDS);
        DecisionObserver observer = new DecisionObserver(registry, config.trustedProxyHops(), config.log().accessLog());
        NettyServerBuilder grpcBuilder = NettyServerBuilder.forAddress(config.grpcListen().socketAddress());
        ServerTls tls = config.tls() == null ? null : ServerTls.load(config.tls(), clock, reloads);
        if (tls != null) {
            grpcBuilder.sslContext(tls.grpc());
            long every = config.tls().checkInterval().toMillis();
            if (every > 0) {
                background.scheduleWithFixedDelay(tls::reload, every, every, TimeUnit.MILLISECONDS);
            }
        }
        // Bodies are counted on their own threads: the transport threads also carry every ext_authz Check.
        WriteCountingPool counting = new WriteCountingPool(config.counting().threads(), config.counting().queueSize(),
                config.counting().timeout(), registry);
        ExtProcService extProc = new ExtProcService(
                new WriteBodyCounter(config.ingest().maxBodyBytes(), config.ingest().maxDecodedBytes()), counting,
                c.writes(), observer, registry, config.securityHeaders());
        Server grpc = grpcBuilder
                .directExecutor()
                // A buffered write body arrives as one ProcessingRequest.
                .maxInboundMessageSize(config.ingest().maxGrpcMessageBytes())
                .addService(new ExtAuthzService(c.authorizer(), observer, config.securityHeaders(),
                        config.ingest().extProcByDefault() ? BodyCounting.EXT_PROC : BodyCounting.NONE))
                .addService(extProc)
                .addService(health.getHealthService())
                .build();
        // HealthStatusManager starts SERVING: say the truth before the first Health call can arrive.
        Readiness readiness = new Readiness(c.readiness());
        publishHealth(health, readiness);
        AdminHttpServer http;
        try {
            start(grpc, config);
            background.scheduleWithFixedDelay(() -> publishHealth(health, readiness), 1, 1, TimeUnit.SECONDS);
            http = listen(config, registry, readiness, c, observer, tls);
        } catch (IOException | RuntimeException e) {
            grpc.shutdownNow();
            counting.close();
            if (limits != null) {
                limits.close();
            }
            background.shutdownNow();
            closeQuietly(c.resources());
            throw e;
        }
        LOG.info("serving ext_authz on gRPC port {}, metrics and health on HTTP port {}, cluster mode {}",
                grpc.getPort(), http.port(), config.clusterMode());
        return new Gateway(grpc, http, health, background, limits, counting, c.resources(), readiness, config.shutdown());
    }

    /** Binds the gRPC listener; a taken or unusable address names the flag that chose it. */
    private static void start(Server grpc, GatewayConfig config) throws IOException {
        try {
            grpc.start();
        } catch (IOException e) {
            throw new IOException(listenError("grpcListenAddr", config.grpcListen(), e), e);
        }
    }

    private static AdminHttpServer listen(GatewayConfig config, PrometheusRegistry registry, Readiness readiness,
                                          Components c, DecisionObserver observer, ServerTls tls) throws IOException {
        try {
            return new AdminHttpServer(config.httpListen().socketAddress(), registry, readiness,
                    config.securityHeaders(), new ForwardAuthHandler(c.authorizer(), observer,
                    config.securityHeaders(), config.forwardAuth().proxyAppliesPath()),
                    tls == null ? null : tls.http(), config.httpServer(), config.metricsAuthKey());
        } catch (IOException e) {
            throw new IOException(listenError("httpListenAddr", config.httpListen(), e), e);
        }
    }

    /** "-httpListenAddr=:8431 (0.0.0.0:8431): address already in use": the flag, the address, the root cause. */
    static String listenError(String flag, io.tsgate.config.ListenAddress address, Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String why = root.getMessage() == null ? root.toString() : root.getMessage();
        return "-" + flag + "=" + address.text() + " (" + address.socketAddress() + "): " + why;
    }

    private static void closeQuietly(AutoCloseable resource) {
        try {
            resource.close();
        } catch (Exception e) {
            LOG.warn("closing after a failed start: {}", e.toString());
        }
    }

    /** gRPC health says what {@code /ready} says (HealthStatusManager notifies watchers only on a change). */
    private static void publishHealth(HealthStatusManager health, Readiness readiness) {
        health.setStatus("", readiness.get() == null ? HealthCheckResponse.ServingStatus.SERVING
                : HealthCheckResponse.ServingStatus.NOT_SERVING);
    }

    /**
     * The decision core and the header its credential comes from, shared by the server and {@code tsgate check};
     * {@code readiness} returns null when ready, else why not; {@code resources} are closed with the gateway.
     */
    public record Components(RequestAuthorizer authorizer, WriteAdmission writes, String credentialHeader,
                             java.util.function.Supplier<String> readiness, AutoCloseable resources) {
    }

    /**
     * The decision core built from server flags without listening ({@code tsgate check}). Key files and API key
     * files are read once; JWKS endpoints and Redis API keys are fetched in the background until the caller closes
     * {@link Components#resources()}.
     */
    public static Components offlineAuthorizer(String... args) throws ConfigException {
        GatewayConfig config = GatewayConfig.from(FlagParser.parse(List.of(args), System.getenv()));
        // Kept until resources() is closed: the first Redis API key sync runs on it.
        ScheduledExecutorService background = DaemonScheduler.named("tsgate-check");
        try {
            PrometheusRegistry registry = new PrometheusRegistry();
            Components c = components(config, Clock.systemUTC(), registry, new ReloadMetrics(registry), background,
                    null);
            return new Components(c.authorizer(), c.writes(), c.credentialHeader(), c.readiness(), () -> {
                background.shutdownNow();
                c.resources().close();
            });
        } catch (ConfigException | RuntimeException e) {
            background.shutdownNow();
            throw e;
        }
    }

    static Components components(GatewayConfig config, Clock clock, PrometheusRegistry registry, ReloadMetrics reloads,
                                 ScheduledExecutorService background, io.tsgate.limits.Limiter limiter)
            throws ConfigException {
        CredentialWiring credentials = new CredentialWiring(config, clock, registry, reloads, background);
        Authenticator authenticator = credentials.authenticator();
        // Without rate limits nothing needs counting: no write is refused for it, ext_proc never asks for a body.
        WriteAdmission writes = new WriteAdmission(limiter == null ? new UnlimitedLimiter() : limiter,
                config.ingest().denyUncountable(), config.ingest().maxBodyBytes());
        return new Components(new RequestAuthorizer(authenticator, config.clusterMode(), limiter,
                limiter == null ? null : writes), writes, authenticator.credentialHeader(), credentials::notReady,
                credentials);
    }

    /** Reloads the rate-limit file now, as SIGHUP does; false when it is invalid (or limits are off). */
    public boolean reloadLimits() {
        return limits != null && limits.reload();
    }

    public int grpcPort() {
        return grpc.getPort();
    }

    public int httpPort() {
        return http.port();
    }

    /** Returns once {@link #close()} has finished (the signal handler of {@link StopSignals} calls it). */
    public void awaitTermination() throws InterruptedException {
        try {
            stopped.get();
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /**
     * Stops without failing a request that was sent in time: unready at once ({@code /ready} 503, gRPC health
     * NOT_SERVING, {@code /health} still 200) while deciding for {@code -http.shutdownDelay}; then no new connection,
     * GOAWAY on every gRPC connection and {@code Connection: close} on HTTP keep-alive, and up to
     * {@code -http.maxGracefulShutdownDuration} for Checks, ext_proc streams and HTTP requests in flight. One log line
     * per step. A second call waits for the first.
     */
    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            stopped.join();
            return;
        }
        try {
            new ShutdownSequence(grpc, http, health, readiness, shutdown).run();
            closeRest();
            LOG.info("stopped");
        } finally {
            stopped.complete(null);
        }
    }

    private void closeRest() {
        counting.close();
        if (limits != null) {
            limits.close();
        }
        background.shutdownNow();
        try {
            resources.close();
        } catch (Exception e) {
            LOG.warn("closing credential sources: {}", e.toString());
        }
    }
}

package io.tsgate;

import io.grpc.Server;
import io.grpc.protobuf.services.HealthStatusManager;
import io.tsgate.config.ShutdownConfig;
import io.tsgate.http.AdminHttpServer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listeners' part of stopping, in the order that fails no request sent in time. Unready first, still deciding:
 * Kubernetes, load balancers and Envoy's health checks need {@code -http.shutdownDelay} to notice and send new
 * requests elsewhere (VictoriaMetrics' own shutdown does the same, {@code lib/httpserver/httpserver.go} at b7ef6cc3).
 * Then drain: the gRPC server stops accepting and sends GOAWAY (grpc-java's graceful server shutdown lets the streams
 * already open finish, ext_proc ones included), and the HTTP listener answers what it owes with
 * {@code Connection: close}; both within one {@code -http.maxGracefulShutdownDuration}, after which what is left is
 * cut.
 */
final class ShutdownSequence {
    private static final Logger LOG = LoggerFactory.getLogger(ShutdownSequence.class);

    private final Server grpc;
    private final AdminHttpServer http;
    private final HealthStatusManager health;
    private final Readiness readiness;
    private final ShutdownConfig config;

    ShutdownSequence(Server grpc, AdminHttpServer http, HealthStatusManager health, Readiness readiness,
                     ShutdownConfig config) {
        this.grpc = grpc;
        this.http = http;
        this.health = health;
        this.readiness = readiness;
        this.config = config;
    }

    void run() {
        unready();
        drain();
    }

    private void unready() {
        readiness.shutDown();
        // Every service NOT_SERVING, and no later status update (the periodic readiness publisher) can undo it.
        health.enterTerminalState();
        if (config.delay().isZero()) {
            LOG.info("shutting down: /ready answers 503 and gRPC health NOT_SERVING; no -http.shutdownDelay, draining now");
        } else {
            LOG.info("shutting down: /ready answers 503 and gRPC health NOT_SERVING; still deciding every request for "
                    + "{} (-http.shutdownDelay)", text(config.delay()));
            try {
                Thread.sleep(config.delay().toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void drain() {
        long start = System.nanoTime();
        long deadline = start + config.maxGraceful().toNanos();
        LOG.info("draining: no new connections, GOAWAY to gRPC clients, Connection: close to HTTP clients; waiting up "
                + "to {} (-http.maxGracefulShutdownDuration) for requests in flight", text(config.maxGraceful()));
        grpc.shutdown();
        int httpLeft = http.close(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        boolean grpcDone = awaitGrpc(deadline);
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        if (grpcDone && httpLeft == 0) {
            LOG.info("drained: every request in flight finished in {} ms", tookMillis);
            return;
        }
        String httpCut = httpLeft == 0 ? "" : httpLeft + " HTTP connection(s) still owing a response";
        String grpcCalls = grpcDone ? "" : "the gRPC calls still open";
        LOG.warn("-http.maxGracefulShutdownDuration ({}) ran out after {} ms: cutting {}", text(config.maxGraceful()),
                tookMillis, httpCut.isEmpty() || grpcCalls.isEmpty() ? httpCut + grpcCalls : httpCut + " and " + grpcCalls);
        if (!grpcDone) {
            grpc.shutdownNow();
        }
    }

    private boolean awaitGrpc(long deadline) {
        try {
            return grpc.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** A duration as a user types it in a flag: 5s, 1500ms. */
    private static String text(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
    }
}

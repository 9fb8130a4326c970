package io.tsgate.http;

import io.tsgate.config.HttpServerConfig;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tsgate.policy.Decision;
import io.tsgate.policy.DecisionObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Map;

/**
 * tsgate's real HTTP listener and forward-auth adapter answering every request with one fixed decision: lets a data
 * plane be tested against denials the decision core cannot produce yet (429 before rate limits are wired).
 */
public final class FixedDecisionServer implements AutoCloseable {
    private final AdminHttpServer server;

    private FixedDecisionServer(AdminHttpServer server) {
        this.server = server;
    }

    public static FixedDecisionServer start(Decision decision) throws IOException {
        PrometheusRegistry registry = new PrometheusRegistry();
        return new FixedDecisionServer(new AdminHttpServer(new InetSocketAddress("127.0.0.1", 0), registry, () -> null,
                Map.of(), new ForwardAuthHandler(r -> decision, new DecisionObserver(registry, 0, false), Map.of(), false),
                null, HttpServerConfig.DEFAULTS));
    }

    public int port() {
        return server.port();
    }

    @Override
    public void close() {
        server.close();
    }
}

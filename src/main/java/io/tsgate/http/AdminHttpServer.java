package io.tsgate.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.exporter.httpserver.MetricsHandler;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * {@code /metrics} (Prometheus text), {@code /health} (the process is alive) and {@code /ready} (keys loaded and
 * every backend usable; 503 with the reason otherwise). Every response carries the security headers.
 */
public final class AdminHttpServer implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService executor;
    private final Map<String, String> securityHeaders;

    /**
     * @param readiness returns null when ready, else a short reason why not
     */
    public AdminHttpServer(InetSocketAddress address, PrometheusRegistry registry, Supplier<String> readiness,
                           Map<String, String> securityHeaders) throws IOException {
        this.securityHeaders = securityHeaders;
        this.server = HttpServer.create(address, 64);
        this.executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "tsgate-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        MetricsHandler metrics = new MetricsHandler(registry);
        server.createContext("/metrics", withHeaders(exactPath("/metrics", metrics)));
        server.createContext("/health", withHeaders(exactPath("/health", ex -> text(ex, 200, "OK"))));
        server.createContext("/ready", withHeaders(exactPath("/ready", ex -> {
            String why = readiness.get();
            text(ex, why == null ? 200 : 503, why == null ? "OK" : "not ready: " + why);
        })));
        server.createContext("/", withHeaders(ex -> text(ex, 404, "not found")));
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private HttpHandler withHeaders(HttpHandler h) {
        return ex -> {
            securityHeaders.forEach((k, v) -> ex.getResponseHeaders().set(k, v));
            ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
            try (ex) {
                h.handle(ex);
            }
        };
    }

    private static HttpHandler exactPath(String path, HttpHandler h) {
        return ex -> {
            if (!ex.getRequestURI().getRawPath().equals(path)) {
                text(ex, 404, "not found");
            } else {
                h.handle(ex);
            }
        };
    }

    static void text(HttpExchange ex, int status, String body) throws IOException {
        byte[] b = (body + "\n").getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(b);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}

package io.tsgate.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
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
 * {@code /metrics} (Prometheus text), {@code /health} (the process is alive), {@code /ready} (keys loaded and
 * every backend usable; 503 with the reason otherwise) and {@code /authz…} (forward-auth). Every response carries the
 * security headers.
 */
public final class AdminHttpServer implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService executor;
    private final Map<String, String> securityHeaders;

    /**
     * @param readiness returns null when ready, else a short reason why not
     */
    public AdminHttpServer(InetSocketAddress address, PrometheusRegistry registry, Supplier<String> readiness,
                           Map<String, String> securityHeaders, HttpHandler forwardAuth,
                           SSLContext tls, String[] tlsProtocols) throws IOException {
        this.securityHeaders = securityHeaders;
        if (tls == null) {
            this.server = HttpServer.create(address, 64);
        } else {
            HttpsServer https = HttpsServer.create(address, 64);
            https.setHttpsConfigurator(new HttpsConfigurator(tls) {
                @Override
                public void configure(HttpsParameters params) {
                    SSLParameters p = tls.getDefaultSSLParameters();
                    p.setProtocols(tlsProtocols);
                    params.setSSLParameters(p);
                }
            });
            this.server = https;
        }
        this.executor = Executors.newFixedThreadPool(4, r -> {
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
        // The JDK server matches contexts by string prefix: "/authz" alone would also catch "/authzfoo", so every
        // style's path is a context and the handler itself refuses paths that are none of its endpoints.
        for (ForwardAuthStyle style : ForwardAuthStyle.values()) {
            server.createContext(style.path(), withHeaders(forwardAuth));
        }
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

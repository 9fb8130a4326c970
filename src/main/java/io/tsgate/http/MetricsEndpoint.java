package io.tsgate.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.prometheus.metrics.exporter.common.PrometheusHttpExchange;
import io.prometheus.metrics.exporter.common.PrometheusHttpRequest;
import io.prometheus.metrics.exporter.common.PrometheusHttpResponse;
import io.prometheus.metrics.exporter.common.PrometheusScrapeHandler;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Collections;
import java.util.Enumeration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /metrics}: the Prometheus client's own scrape handler (text, OpenMetrics or protobuf by {@code Accept},
 * gzip by {@code Accept-Encoding}, {@code name[]} filters), served on its own thread. A scrape runs every metric's
 * callback — per-tenant limiter usage, key sets — and grows with the number of tenants, so it never runs on the event
 * loop, where it would delay the decisions of every connection sharing that loop.
 */
final class MetricsEndpoint {
    private static final Logger LOG = LoggerFactory.getLogger(MetricsEndpoint.class);
    private final PrometheusScrapeHandler scrape;
    private final ExecutorService executor;

    MetricsEndpoint(PrometheusRegistry registry, ExecutorService executor) {
        this.scrape = new PrometheusScrapeHandler(registry);
        this.executor = executor;
    }

    /** The scrape's response; completes on the metrics thread. */
    CompletableFuture<FullHttpResponse> serve(ReceivedRequest req) {
        return CompletableFuture.supplyAsync(() -> scrapeNow(req), executor);
    }

    private FullHttpResponse scrapeNow(ReceivedRequest req) {
        Exchange ex = new Exchange(req);
        try {
            scrape.handleRequest(ex);
        } catch (IOException | RuntimeException e) {
            ex.failed(e);
        }
        return ex.response();
    }

    /** One scrape's request and its buffered response. */
    private static final class Exchange implements PrometheusHttpExchange, PrometheusHttpRequest, PrometheusHttpResponse {
        private final ReceivedRequest req;
        private final HttpHeaders headers = new DefaultHttpHeaders();
        private final ByteBuf body = Unpooled.buffer();
        private int status;

        Exchange(ReceivedRequest req) {
            this.req = req;
        }

        @Override
        public PrometheusHttpRequest getRequest() {
            return this;
        }

        @Override
        public PrometheusHttpResponse getResponse() {
            return this;
        }

        @Override
        public String getQueryString() {
            return req.rawQuery();
        }

        @Override
        public Enumeration<String> getHeaders(String name) {
            return Collections.enumeration(req.headers().getAll(name));
        }

        @Override
        public String getMethod() {
            return req.method();
        }

        @Override
        public String getRequestPath() {
            return req.rawPath();
        }

        @Override
        public void setHeader(String name, String value) {
            headers.set(name, value);
        }

        /** The length is that of the body as written (the handler passes 0 for "unknown", before gzip). */
        @Override
        public OutputStream sendHeadersAndGetBody(int statusCode, int contentLength) throws IOException {
            if (status != 0) {
                throw new IOException("Cannot send multiple HTTP responses for a single HTTP exchange.");
            }
            status = statusCode;
            return new ByteBufOutputStream(body);
        }

        @Override
        public void handleException(IOException e) {
            failed(e);
        }

        @Override
        public void handleException(RuntimeException e) {
            failed(e);
        }

        void failed(Exception e) {
            LOG.warn("scraping metrics failed: {}", e.toString());
            status = 500;
            body.clear();
            headers.clear();
            headers.set(HttpHeaderNames.CONTENT_TYPE, Replies.TEXT);
            body.writeCharSequence("An Exception occurred while scraping metrics: " + e + "\n",
                    java.nio.charset.StandardCharsets.UTF_8);
        }

        @Override
        public void close() {
        }

        FullHttpResponse response() {
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                    HttpResponseStatus.valueOf(status == 0 ? 500 : status), body);
            r.headers().set(headers);
            r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
            return r;
        }
    }
}

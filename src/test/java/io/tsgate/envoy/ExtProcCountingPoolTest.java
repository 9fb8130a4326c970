package io.tsgate.envoy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.HeaderMap;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpBody;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tsgate.ingest.WriteBodyCounter;
import io.tsgate.it.Await;
import io.tsgate.limits.RowBudgetLimiter;
import io.tsgate.request.Tenant;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The ext_proc stream with its counting pool: a body is counted off the transport thread, a full pool answers 503
 * at once, a body past -ingest.countTimeout is refused uncounted, and a cancelled stream's body leaves the queue.
 * The pool has one thread, held by the test with a latch, so every state is reached deterministically; time is a
 * clock the test moves.
 */
class ExtProcCountingPoolTest {
    private static final Tenant TENANT = new Tenant(1, 5);
    /** Long, so the deadline timer never fires on its own in tests that move {@link #nanos} instead. */
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final String TWO_LINES = "m{a=\"1\"} 1\nm{a=\"2\"} 2\n";

    private final AtomicLong nanos = new AtomicLong();
    private final CountDownLatch release = new CountDownLatch(1);
    private final RowBudgetLimiter limiter = new RowBudgetLimiter(Map.of(TENANT, 1000L), null);
    private PrometheusRegistry registry;
    private WriteCountingPool pool;
    private Server server;
    private ManagedChannel channel;

    @AfterEach
    void stop() {
        release.countDown();
        channel.shutdownNow();
        server.shutdownNow();
        pool.close();
    }

    private void start(int queueSize, java.util.function.LongSupplier clock) throws Exception {
        start(queueSize, TIMEOUT, clock);
    }

    private void start(int queueSize, Duration timeout, java.util.function.LongSupplier clock) throws Exception {
        registry = new PrometheusRegistry();
        pool = new WriteCountingPool(1, queueSize, timeout, registry, clock);
        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name).directExecutor()
                .addService(ExtProcServices.of(new WriteBodyCounter(1 << 20, 4 << 20), pool, limiter, true, registry,
                        Map.of()))
                .build().start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    }

    private void start(int queueSize) throws Exception {
        start(queueSize, nanos::get);
    }

    /** Occupies the pool's only thread until {@link #release} (a pool's first task goes straight to a new thread). */
    private void holdTheCountingThread() {
        assertTrue(pool.offer(pool.ticket(() -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, () -> { })));
    }

    @Test
    void bodyIsCountedOnThePoolNotOnTheTransportThread() throws Exception {
        start(1);
        holdTheCountingThread();
        Stream a = Stream.open(channel);
        a.sendBody(TWO_LINES);
        // The transport thread (here: this one, in-process with directExecutor) is back while the body waits.
        assertNull(a.poll(Duration.ZERO), "no reply before the body is counted");
        Stream b = Stream.open(channel);
        assertTrue(b.reply().hasRequestHeaders(), "other streams are served meanwhile");
        assertEquals(1.0, scrapeValue("tsgate_ingest_queue_depth"));
        release.countDown();
        assertTrue(a.reply().hasRequestBody(), "counted and allowed once a thread is free");
        assertEquals(List.of(new RowBudgetLimiter.Admission(TENANT, 2, 2, true)), limiter.admissions());
    }

    @Test
    void fullQueueAnswers503AtOnceWithoutCounting() throws Exception {
        start(1);
        holdTheCountingThread();
        Stream queued = Stream.open(channel);
        queued.sendBody(TWO_LINES);
        Stream refused = Stream.open(channel);
        refused.sendBody(TWO_LINES);
        // Answered while the only thread is still held: the refusal does not wait for a thread.
        ProcessingResponse r = refused.poll(Duration.ZERO);
        assertNotNull(r, "refused before any thread is free");
        assertEquals(503, r.getImmediateResponse().getStatus().getCodeValue());
        assertEquals("tsgate_write_counting_overloaded", r.getImmediateResponse().getDetails());
        assertTrue(r.getImmediateResponse().getBody().toStringUtf8().contains("\"errorType\":\"unavailable\""),
                r.getImmediateResponse().getBody().toStringUtf8());
        assertEquals("1", header(r, "retry-after"));
        assertEquals(1.0, scrapeValue("tsgate_ingest_rejected_total{reason=\"queue_full\"}"));
        assertEquals(1.0, scrapeValue(
                "tsgate_ext_proc_requests_total{outcome=\"deny\",reason=\"write_counting_overloaded\"}"));
        release.countDown();
        assertTrue(queued.reply().hasRequestBody(), "the queued body is still counted");
        assertEquals(1, limiter.admissions().size(), "the refused body never reached the limiter");
    }

    @Test
    void bodyThatWaitedPastTheTimeoutIsRefusedUncounted() throws Exception {
        start(1);
        holdTheCountingThread();
        Stream late = Stream.open(channel);
        late.sendBody(TWO_LINES);
        nanos.addAndGet(TIMEOUT.plusMillis(1).toNanos()); // as if it waited that long: checked when a thread takes it
        release.countDown();
        ProcessingResponse r = late.reply();
        assertEquals(503, r.getImmediateResponse().getStatus().getCodeValue());
        assertEquals("tsgate_write_counting_timeout", r.getImmediateResponse().getDetails());
        assertEquals(List.of(), limiter.admissions());
        assertNull(scrapeLine("tsgate_ingest_rows_total{format=\"prometheus_text\"}"), "not counted");
        assertEquals(1.0, scrapeValue("tsgate_ingest_rejected_total{reason=\"timeout\"}"));
    }

    @Test
    void countThatFinishesPastTheTimeoutIsRefused() throws Exception {
        // Each reading moves the clock 20 s: arrival 0, start 20 s (in time), end of count 40 s (too late).
        AtomicLong ticking = new AtomicLong();
        start(1, () -> ticking.getAndAdd(Duration.ofSeconds(20).toNanos()));
        Stream s = Stream.open(channel);
        s.sendBody(TWO_LINES);
        ProcessingResponse r = s.reply();
        assertEquals("tsgate_write_counting_timeout", r.getImmediateResponse().getDetails());
        assertEquals(List.of(), limiter.admissions(), "a late count is not charged");
    }

    @Test
    void deadlineAnswers503WhileEveryThreadIsStillBusy() throws Exception {
        start(1, Duration.ofMillis(200), nanos::get);
        holdTheCountingThread();
        Stream late = Stream.open(channel);
        late.sendBody(TWO_LINES);
        // Only the deadline timer can answer: the one counting thread stays held until after the reply.
        ProcessingResponse r = late.reply();
        assertEquals(503, r.getImmediateResponse().getStatus().getCodeValue());
        assertEquals("tsgate_write_counting_timeout", r.getImmediateResponse().getDetails());
        assertEquals(1, release.getCount(), "answered while the thread was busy");
        assertEquals(0.0, scrapeValue("tsgate_ingest_queue_depth"), "the body left the queue");
        assertEquals(1.0, scrapeValue("tsgate_ingest_rejected_total{reason=\"timeout\"}"));
        release.countDown();
        Stream next = Stream.open(channel);
        next.sendBody(TWO_LINES);
        assertTrue(next.reply().hasRequestBody(), "the pool carries on");
        assertEquals(1, limiter.admissions().size(), "the late body was never counted");
    }

    @Test
    void cancelledStreamsBodyLeavesTheQueueUncounted() throws Exception {
        start(1);
        holdTheCountingThread();
        Stream gone = Stream.open(channel);
        gone.sendBody(TWO_LINES);
        assertEquals(1.0, scrapeValue("tsgate_ingest_queue_depth"));
        gone.cancel();
        Await.until("the cancelled body to leave the queue", Duration.ofSeconds(10),
                () -> scrapeValue("tsgate_ingest_queue_depth"), d -> d == 0.0);
        assertEquals(1.0, scrapeValue("tsgate_ingest_cancelled_total"));
        // Its slot is free again: another body is queued rather than refused.
        Stream next = Stream.open(channel);
        next.sendBody(TWO_LINES);
        assertNull(next.poll(Duration.ZERO), "queued, not refused");
        release.countDown();
        assertTrue(next.reply().hasRequestBody());
        assertEquals(1, limiter.admissions().size(), "only the live stream's body was counted");
    }

    @Test
    void envoyHalfClosingBeforeTheReplyStillGetsIt() throws Exception {
        start(1);
        holdTheCountingThread();
        Stream s = Stream.open(channel);
        s.sendBody(TWO_LINES);
        s.halfClose();
        release.countDown();
        assertTrue(s.reply().hasRequestBody());
        assertTrue(s.completed.await(10, TimeUnit.SECONDS), "the stream ends after the reply");
    }

    private static String header(ProcessingResponse r, String name) {
        return r.getImmediateResponse().getHeaders().getSetHeadersList().stream()
                .filter(h -> h.getHeader().getKey().equals(name))
                .map(h -> h.getHeader().getRawValue().toStringUtf8()).findFirst().orElse(null);
    }

    private double scrapeValue(String series) {
        String line = scrapeLine(series);
        assertNotNull(line, series + " in " + scrape());
        return Double.parseDouble(line.substring(series.length()).trim());
    }

    private String scrapeLine(String series) {
        return scrape().lines().filter(l -> l.startsWith(series + " ")).findFirst().orElse(null);
    }

    private String scrape() {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            PrometheusTextFormatWriter.create().write(out, registry.scrape());
            return out.toString(StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One ext_proc stream driven message by message, as Envoy would: headers first, the buffered body on demand. */
    private static final class Stream {
        private final BlockingQueue<ProcessingResponse> replies = new LinkedBlockingQueue<>();
        private final CountDownLatch completed = new CountDownLatch(1);
        private ClientCallStreamObserver<ProcessingRequest> requests;
        private Metadata metadata;

        /** Opens a stream for a Prometheus text write of {@link #TENANT} and sends its headers. */
        static Stream open(ManagedChannel channel) throws InterruptedException {
            Stream s = new Stream();
            ExternalProcessorGrpc.newStub(channel).process(new ClientResponseObserver<ProcessingRequest, ProcessingResponse>() {
                @Override
                public void beforeStart(ClientCallStreamObserver<ProcessingRequest> r) {
                    s.requests = r;
                }

                @Override
                public void onNext(ProcessingResponse r) {
                    s.replies.add(r);
                }

                @Override
                public void onError(Throwable t) {
                    s.completed.countDown();
                }

                @Override
                public void onCompleted() {
                    s.completed.countDown();
                }
            });
            s.metadata = Metadata.newBuilder().putFilterMetadata("envoy.filters.http.ext_authz", Struct.newBuilder()
                    .putFields("tenant", Value.newBuilder().setStringValue(TENANT.toString()).build())
                    .putFields("subject", Value.newBuilder().setStringValue("alice").build())
                    .putFields("class", Value.newBuilder().setStringValue("write").build()).build()).build();
            s.requests.onNext(ProcessingRequest.newBuilder().setRequestHeaders(HttpHeaders.newBuilder()
                    .setHeaders(HeaderMap.newBuilder()
                            .addHeaders(header(":method", "POST"))
                            .addHeaders(header(":path", "/api/v1/import/prometheus"))))
                    .setMetadataContext(s.metadata).build());
            return s;
        }

        /** Waits for the reply to the headers (which must ask for the body), then sends the body. */
        void sendBody(String body) throws InterruptedException {
            ProcessingResponse headersReply = reply();
            assertTrue(headersReply.hasModeOverride(), "tsgate asks for the body: " + headersReply);
            requests.onNext(ProcessingRequest.newBuilder().setRequestBody(HttpBody.newBuilder()
                    .setBody(ByteString.copyFromUtf8(body)).setEndOfStream(true)).setMetadataContext(metadata).build());
        }

        ProcessingResponse reply() throws InterruptedException {
            ProcessingResponse r = poll(Duration.ofSeconds(10));
            assertNotNull(r, "a reply within 10 s");
            return r;
        }

        ProcessingResponse poll(Duration wait) throws InterruptedException {
            return replies.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
        }

        void halfClose() {
            requests.onCompleted();
        }

        void cancel() {
            requests.cancel("client went away", null);
        }

        private static HeaderValue header(String k, String v) {
            return HeaderValue.newBuilder().setKey(k).setRawValue(ByteString.copyFromUtf8(v)).build();
        }
    }
}

package io.tsgate.bench;

import com.google.protobuf.Struct;
import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.grpc.Channel;
import io.grpc.StatusRuntimeException;
import io.tsgate.it.ExtProcStandIn;
import io.tsgate.it.HeaderList;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Adversarial write load through one gRPC connection, as one Envoy worker sends it: ext_authz Checks and ext_proc
 * streams share the connection to tsgate (both filters name the same cluster), so a body counted on a transport
 * thread would stall the Checks behind it. {@code writers} clients each send adversarial bodies back to back
 * (Check, then the ext_proc stream, as Envoy does), keeping tsgate's counting pool full, while a prober sends a read
 * Check every {@link #PROBE_EVERY} and times it. Once every writer has had an answer, with the pool full, {@code burst} more
 * bodies go at once: beyond the pool's capacity they must be refused at once with 503.
 *
 * <p>Used by {@code WriteCountingLoadIT} (wide bounds) and by {@code src/test/bench/write-load-bench.sh} (figures).
 */
public final class WriteCountingLoad {
    /** Who answered a write, and how. */
    public enum Kind {
        /** tsgate counted the body and answered with its verdict (allow, 400, 413, 429). */
        COUNTED,
        /** 503 write_counting_overloaded: every thread busy, every queue slot taken. */
        OVERLOADED,
        /** 503 write_counting_timeout. */
        TIMED_OUT,
        /** No answer from tsgate within Envoy's message_timeout, or the stream failed: Envoy answers itself. */
        ENVOY_FAILED
    }

    /** One write: body shape, outcome, the status the client saw, and the ext_proc time (headers to verdict). */
    public record Write(String body, Kind kind, int status, String details, long nanos) {
    }

    /** Check latencies (a failed Check counts as its deadline), the sustained writes, and the burst's. */
    public record Result(List<Long> checkNanos, int checkErrors, List<Write> writes, List<Write> burst) {
        public long checkP99() {
            return percentile(checkNanos, 99);
        }

        public long checkP50() {
            return percentile(checkNanos, 50);
        }

        /** Count, p50, p99 and the five slowest Checks, in ms, for failure messages. */
        public String checkSummary() {
            List<Long> sorted = new ArrayList<>(checkNanos);
            Collections.sort(sorted);
            List<String> slowest = sorted.subList(Math.max(0, sorted.size() - 5), sorted.size()).stream()
                    .map(n -> String.format("%.1f", n / 1e6)).toList();
            return String.format("%d Checks, p50 %.2f ms, p99 %.2f ms, slowest %s ms", sorted.size(), checkP50() / 1e6,
                    checkP99() / 1e6, slowest);
        }

        public List<Write> writes(Kind kind) {
            return writes.stream().filter(w -> w.kind() == kind).toList();
        }

        public List<Write> burst(Kind kind) {
            return burst.stream().filter(w -> w.kind() == kind).toList();
        }
    }

    /** A Check slower than this is a failure: far beyond the shipped ext_authz timeout (0.5 s). */
    static final Duration CHECK_DEADLINE = Duration.ofSeconds(5);
    private static final int WARM_UP_ROUNDS = 3;
    /** How often the prober sends a read Check (a steady 200/s, as reads arrive beside writes). */
    static final Duration PROBE_EVERY = Duration.ofMillis(5);
    private static final CheckRequest READ = check("GET", "/api/v1/query?query=up");

    private WriteCountingLoad() {
    }

    /**
     * @param writers   clients sending bodies back to back: the pool's capacity (threads + queue) keeps it full
     * @param perWriter bodies each of them sends
     * @param burst     bodies sent at once after every writer has had one answer (the pool is full by then)
     */
    public static Result run(Channel channel, ExtProcStandIn.Settings envoy, List<AdversarialBodies.Body> bodies,
                             int writers, int perWriter, int burst) throws Exception {
        ExecutorService threads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "write-load");
            t.setDaemon(true);
            return t;
        });
        try {
            warmUp(channel, envoy, bodies);
            List<Long> checks = Collections.synchronizedList(new ArrayList<>());
            AtomicInteger checkErrors = new AtomicInteger();
            // Paced, not back to back: a busy loop of Checks in this JVM would take the CPU the counting needs.
            ScheduledExecutorService prober = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "check-prober");
                t.setDaemon(true);
                return t;
            });
            AuthorizationGrpc.AuthorizationBlockingStub probe = AuthorizationGrpc.newBlockingStub(channel);
            prober.scheduleAtFixedRate(() -> probe(probe, checks, checkErrors), 0, PROBE_EVERY.toNanos(),
                    TimeUnit.NANOSECONDS);
            List<Write> writes = new CopyOnWriteArrayList<>();
            CountDownLatch everyWriterAnswered = new CountDownLatch(writers);
            List<Future<?>> loops = new ArrayList<>();
            for (int i = 0; i < writers; i++) {
                int first = i;
                loops.add(threads.submit(() -> {
                    ExtProcStandIn extProc = new ExtProcStandIn(channel, envoy);
                    for (int n = 0; n < perWriter; n++) {
                        writes.add(write(channel, extProc, bodies.get((first + n) % bodies.size())));
                        if (n == 0) {
                            everyWriterAnswered.countDown();
                        }
                    }
                    return null;
                }));
            }
            List<Write> burstWrites = new CopyOnWriteArrayList<>();
            if (!everyWriterAnswered.await(5, TimeUnit.MINUTES)) {
                throw new IllegalStateException("writers got no answers within 5 minutes");
            }
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> bursts = new ArrayList<>();
            for (int i = 0; i < burst; i++) {
                AdversarialBodies.Body body = bodies.get(i % bodies.size());
                bursts.add(threads.submit(() -> {
                    ExtProcStandIn extProc = new ExtProcStandIn(channel, envoy);
                    go.await();
                    burstWrites.add(write(channel, extProc, body));
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : bursts) {
                f.get(5, TimeUnit.MINUTES);
            }
            for (Future<?> f : loops) {
                f.get(5, TimeUnit.MINUTES);
            }
            prober.shutdown();
            if (!prober.awaitTermination(1, TimeUnit.MINUTES)) {
                throw new IllegalStateException("a Check did not finish within a minute");
            }
            return new Result(List.copyOf(checks), checkErrors.get(), List.copyOf(writes), List.copyOf(burstWrites));
        } finally {
            threads.shutdownNow();
        }
    }

    /**
     * Unmeasured: the connection, and the classes and compiled code of a Check and of each body's count on both
     * sides (a fresh JVM counts many times slower until the JIT has compiled the counters).
     */
    private static void warmUp(Channel channel, ExtProcStandIn.Settings envoy, List<AdversarialBodies.Body> bodies) {
        AuthorizationGrpc.AuthorizationBlockingStub stub = AuthorizationGrpc.newBlockingStub(channel);
        // The first call sets up the connection: slow on a loaded machine, and not what is measured.
        stub.withDeadlineAfter(1, TimeUnit.MINUTES).check(check("GET", "/api/v1/query?query=up"));
        for (int i = 0; i < 50; i++) {
            stub.withDeadlineAfter(CHECK_DEADLINE.toMillis(), TimeUnit.MILLISECONDS).check(check("GET", "/api/v1/query?query=up"));
        }
        ExtProcStandIn extProc = new ExtProcStandIn(channel, envoy);
        for (int i = 0; i < WARM_UP_ROUNDS; i++) {
            for (AdversarialBodies.Body b : bodies) {
                write(channel, extProc, b);
            }
        }
    }

    /** One read Check, timed; a failed one counts as {@link #CHECK_DEADLINE}. */
    private static void probe(AuthorizationGrpc.AuthorizationBlockingStub stub, List<Long> checks, AtomicInteger errors) {
        long t0 = System.nanoTime();
        try {
            stub.withDeadlineAfter(CHECK_DEADLINE.toMillis(), TimeUnit.MILLISECONDS).check(READ);
            checks.add(System.nanoTime() - t0);
        } catch (StatusRuntimeException e) {
            checks.add(CHECK_DEADLINE.toNanos());
            errors.incrementAndGet();
        }
    }

    /** One write as Envoy handles it: ext_authz Check, then the ext_proc stream with the Check's dynamic metadata. */
    static Write write(Channel channel, ExtProcStandIn extProc, AdversarialBodies.Body body) {
        CheckResponse authz;
        try {
            authz = AuthorizationGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(CHECK_DEADLINE.toMillis(), TimeUnit.MILLISECONDS).check(writeCheck(body.path()));
        } catch (StatusRuntimeException e) {
            throw new IllegalStateException("the write's own ext_authz Check failed: " + e.getStatus(), e);
        }
        if (authz.getStatus().getCode() != 0) {
            throw new IllegalStateException("the write was not authorized: " + authz.getDeniedResponse());
        }
        HeaderList headers = new HeaderList();
        headers.add(":authority", "vm");
        headers.add(":path", body.path());
        headers.add(":method", "POST");
        headers.add(":scheme", "http");
        headers.add("content-encoding", body.contentEncoding());
        Map<String, Struct> metadata = Map.of("envoy.filters.http.ext_authz", authz.getDynamicMetadata());
        long t0 = System.nanoTime();
        ExtProcStandIn.Outcome o = extProc.process(headers, body.bytes(), metadata);
        long nanos = System.nanoTime() - t0;
        if (o instanceof ExtProcStandIn.LocalReply r) {
            Kind kind = !r.details().startsWith("tsgate_") ? Kind.ENVOY_FAILED
                    : r.details().equals("tsgate_write_counting_overloaded") ? Kind.OVERLOADED
                    : r.details().equals("tsgate_write_counting_timeout") ? Kind.TIMED_OUT : Kind.COUNTED;
            return new Write(body.name(), kind, r.status(), r.details(), nanos);
        }
        return new Write(body.name(), Kind.COUNTED, 200, "", nanos);
    }

    /** A write's Check as envoy/envoy-single.yaml's catch-all route sends it: ext_proc follows (body_counting). */
    static CheckRequest writeCheck(String path) {
        CheckRequest c = check("POST", path);
        return c.toBuilder().setAttributes(c.getAttributes().toBuilder()
                .putContextExtensions("body_counting", "ext_proc")).build();
    }

    static CheckRequest check(String method, String path) {
        return CheckRequest.newBuilder().setAttributes(AttributeContext.newBuilder()
                .setRequest(AttributeContext.Request.newBuilder().setHttp(AttributeContext.HttpRequest.newBuilder()
                        .setMethod(method).setPath(path).setHost("vm").setProtocol("HTTP/1.1")))).build();
    }

    static long percentile(List<Long> values, int p) {
        if (values.isEmpty()) {
            return 0;
        }
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int i = (int) Math.ceil(sorted.size() * p / 100.0) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
    }
}

package io.tsgate.it;

import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Checks sent back to back over one gRPC channel while a test breaks something under tsgate, each judged against the
 * answers its request may get through the whole run (normal and degraded): a request of a tenant without limits
 * may only pass, one without a credential only get 401, and so on. Any other answer is a wrong decision, any gRPC
 * error a failed request; the first of each is kept for the failure message.
 */
public final class CheckLoad implements AutoCloseable {
    /** One kind of request and the answers ({@code status} or {@code status:reason}) it may get. */
    public record Kind(String name, String authorization, Set<String> allowed) {
    }

    private final ManagedChannel channel;
    private final List<Kind> kinds;
    private final AtomicLong decided = new AtomicLong();
    private final AtomicLong wrong = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicReference<String> first = new AtomicReference<>();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean stopping;

    private CheckLoad(ManagedChannel channel, List<Kind> kinds) {
        this.channel = channel;
        this.kinds = List.copyOf(kinds);
    }

    /** Starts {@code threads} senders, each cycling through {@code kinds}. */
    public static CheckLoad start(ManagedChannel channel, int threads, List<Kind> kinds) {
        CheckLoad load = new CheckLoad(channel, kinds);
        for (int i = 0; i < threads; i++) {
            Thread t = new Thread(load::run, "check-load-" + i);
            load.threads.add(t);
            t.start();
        }
        return load;
    }

    /** The answer as the kinds spell it: 200, or the denial's status and reason ({@code 429:limit_queries}). */
    public static String answer(CheckResponse r) {
        return r.hasDeniedResponse() ? r.getDeniedResponse().getStatus().getCodeValue() + ":" + r.getStatus().getMessage()
                : "200";
    }

    public static CheckResponse query(ManagedChannel channel, String authorization) {
        AttributeContext.HttpRequest.Builder http = AttributeContext.HttpRequest.newBuilder().setMethod("GET")
                .setHost("vm").setPath("/api/v1/query?query=up").setProtocol("HTTP/1.1");
        if (authorization != null) {
            http.putHeaders("authorization", authorization);
        }
        return AuthorizationGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS).check(CheckRequest
                .newBuilder().setAttributes(AttributeContext.newBuilder().setRequest(AttributeContext.Request
                        .newBuilder().setHttp(http))).build());
    }

    private void run() {
        int i = 0;
        while (!stopping) {
            Kind k = kinds.get(i++ % kinds.size());
            try {
                String a = answer(query(channel, k.authorization()));
                if (k.allowed().contains(a) || k.allowed().contains(a.split(":")[0])) {
                    decided.incrementAndGet();
                } else {
                    wrong.incrementAndGet();
                    first.compareAndSet(null, k.name() + " answered " + a + ", allowed " + k.allowed());
                }
            } catch (StatusRuntimeException e) {
                failed.incrementAndGet();
                first.compareAndSet(null, k.name() + " failed: " + e.getStatus());
            }
        }
    }

    /** Checks answered as allowed so far. */
    public long decided() {
        return decided.get();
    }

    /** Waits until {@code more} further Checks were answered correctly, failing on the first wrong or failed one. */
    public void awaitMore(String what, long more, java.time.Duration timeout) {
        long target = decided.get() + more;
        Await.until(what + " (" + more + " Checks under load)", timeout, () -> decided.get() >= target || troubles() > 0,
                done -> done);
        assertClean();
    }

    private long troubles() {
        return wrong.get() + failed.get();
    }

    /** Fails when any Check so far got an answer it may not get or failed. */
    public void assertClean() {
        if (troubles() > 0) {
            throw new AssertionError(wrong.get() + " wrong decisions and " + failed.get() + " failed Checks out of "
                    + (decided.get() + troubles()) + "; first: " + first.get());
        }
    }

    @Override
    public void close() throws InterruptedException {
        stopping = true;
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(40));
        }
    }
}

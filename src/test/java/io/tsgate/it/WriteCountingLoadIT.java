package io.tsgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.tsgate.bench.AdversarialBodies;
import io.tsgate.bench.WriteCountingLoad;
import io.tsgate.bench.WriteCountingLoad.Kind;
import io.tsgate.bench.WriteCountingLoad.Result;
import io.tsgate.bench.WriteCountingLoad.Write;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Adversarial write bodies cannot starve ext_authz. A real gateway (Netty gRPC listener, local limiter with a
 * rows_inserted limit, so every write body is counted) gets, over one connection as one Envoy worker sends them,
 * as many maximum-size adversarial bodies in flight as its counting pool holds, back to back, while read Checks are
 * timed; then a burst beyond the pool's capacity.
 *
 * <p>The bounds are the shipped Envoy settings, far above what is expected here: a Check's p99 under the ext_authz
 * timeout (0.5 s), every body answered by tsgate inside ext_proc's message_timeout (2 s; the stand-in fails the
 * stream otherwise), and a body beyond capacity refused with 503 well inside it. The gateway's body bounds are set to
 * 2 MiB, and the bodies fill them, so that counting stays well inside -ingest.countTimeout even on a machine shared
 * with other builds; {@code src/test/bench/write-load-bench.sh} measures the default 32 MiB.
 */
class WriteCountingLoadIT {
    private static final int THREADS = 2;
    private static final int QUEUE = 2;
    private static final int MAX_DECODED = 2 << 20;
    private static final Duration EXT_AUTHZ_TIMEOUT = Duration.ofMillis(500);

    @TempDir
    Path dir;

    @Test
    void adversarialBodiesFillingThePoolLeaveChecksFastAndOverflowGets503AtOnce() throws Exception {
        Path limits = dir.resolve("limits.yaml");
        Files.writeString(limits, "limits: [{type: rows_inserted, value: 1000000000, resolution: minute}]");
        try (InProcessGateway gateway = InProcessGateway.start("-enable.auth=false", "-enable.rateLimit",
                "-ratelimit.config=" + limits, "-ingest.concurrency=" + THREADS, "-ingest.queueSize=" + QUEUE,
                "-ingest.maxBodyBytes=" + MAX_DECODED, "-ingest.maxDecodedBytes=" + MAX_DECODED)) {
            ManagedChannel envoyWorker = ManagedChannelBuilder.forAddress("127.0.0.1", gateway.grpcPort())
                    .usePlaintext().maxInboundMessageSize(16 << 20).build();
            try {
                Result r = WriteCountingLoad.run(envoyWorker, ExtProcStandIn.Settings.envoyYaml(),
                        AdversarialBodies.all(MAX_DECODED), THREADS + QUEUE, 6, 8);

                assertEquals(0, r.checkErrors(), "every Check answered");
                assertTrue(r.checkNanos().size() >= 20, "Checks were sent during the load: " + r.checkNanos().size());
                assertTrue(r.checkP99() < EXT_AUTHZ_TIMEOUT.toNanos(),
                        "Check p99 under the ext_authz timeout: " + r.checkSummary());

                assertEquals(List.of(), r.writes(Kind.ENVOY_FAILED), "tsgate answered every body inside message_timeout");
                assertEquals(List.of(), r.writes(Kind.TIMED_OUT), "every body that got a place was counted in time");
                assertFalse(r.writes(Kind.COUNTED).isEmpty());

                List<Write> refused = r.burst(Kind.OVERLOADED);
                assertFalse(refused.isEmpty(), "bodies beyond the pool's capacity are refused: " + r.burst());
                for (Write w : refused) {
                    assertEquals(503, w.status());
                    assertTrue(w.nanos() < EXT_AUTHZ_TIMEOUT.toNanos(), "refused at once, not after waiting: "
                            + w.nanos() / 1e6 + " ms");
                }
                assertEquals(List.of(), r.burst(Kind.ENVOY_FAILED));
                assertEquals(List.of(), r.burst(Kind.TIMED_OUT));
                long overloaded = r.writes(Kind.OVERLOADED).size() + refused.size();
                assertEquals(overloaded, (long) gateway.metric("tsgate_ingest_rejected_total", "queue_full"),
                        "each refusal counted in the metric");
            } finally {
                envoyWorker.shutdownNow();
            }
        }
    }
}

package io.tsgate.backends;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tsgate.it.Await;
import io.tsgate.it.DebianPackages;
import io.tsgate.it.FreePort;
import io.tsgate.it.ManagedProcess;
import io.tsgate.it.RedisServer;
import io.tsgate.limits.LimitFile;
import io.tsgate.limits.LimitRules;
import io.tsgate.limits.LimitVerdict;
import io.tsgate.request.Tenant;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code -redis.clusterMode} against a real one-node Redis Cluster (all 16384 slots on one redis-server). Cluster
 * mode refuses scripts touching keys outside the declared key's slot and multi-key commands across slots, so this
 * proves the per-tenant hash tag keeps every key of limit.lua in one slot.
 */
class RedisClusterLimiterIT {
    @TempDir
    Path dir;

    private static String command(int port, String inline) {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(2000);
            OutputStream out = s.getOutputStream();
            out.write((inline + "\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[8192];
            int n = in.read(buf);
            return n <= 0 ? "" : new String(buf, 0, n, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "-ERR " + e;
        }
    }

    @Test
    void limitsWorkOnRedisClusterWithTenantHashTags() throws Exception {
        Path binary = DebianPackages.ensureInstalled(RedisServer.BINARY, RedisServer.PACKAGE);
        FreePort.Started<ManagedProcess> started = FreePort.retrying(1, ports -> ManagedProcess.start("redis-cluster",
                List.of(binary.toString(), "--port", Integer.toString(ports[0]), "--bind", "127.0.0.1", "--save", "",
                        "--appendonly", "no", "--dir", dir.toString(), "--protected-mode", "no", "--cluster-enabled", "yes",
                        "--cluster-config-file", "nodes-" + ports[0] + ".conf"),
                dir.resolve("redis-" + ports[0] + ".log"), Duration.ofSeconds(20),
                () -> command(ports[0], "PING").startsWith("+PONG")));
        int port = started.port(0);
        try (ManagedProcess node = started.server()) {
            assertTrue(command(port, "CLUSTER ADDSLOTSRANGE 0 16383").startsWith("+OK"));
            Await.until("cluster_state:ok", Duration.ofSeconds(20), () -> command(port, "CLUSTER INFO"),
                    s -> s.contains("cluster_state:ok"));
            LimitRules rules = LimitFile.parse("""
                    limits:
                      - {type: queries, value: 2, resolution: minute}
                      - {type: rows_inserted, value: 1000, resolution: minute}
                      - {type: active_series, value: 150, resolution: hour}
                      - {type: new_series, value: 150, resolution: minute}
                    """, "test");
            Clock clock = Clock.fixed(Instant.parse("2030-01-01T00:00:05Z"), ZoneOffset.UTC);
            try (RedisLimiter l = RedisLimiter.connect("redis://127.0.0.1:" + port, true, Duration.ofSeconds(2), clock,
                    () -> rules)) {
                Tenant t = new Tenant(11, 12);
                assertTrue(l.acquireQuery(t).toCompletableFuture().join().allowed());
                assertTrue(l.acquireQuery(t).toCompletableFuture().join().allowed());
                LimitVerdict third = l.acquireQuery(t).toCompletableFuture().join();
                assertEquals(new LimitVerdict(false, "queries", 2, 0, 55), third);
                assertTrue(l.admitWrite(t, 100, LongStream.range(0, 100).toArray()).toCompletableFuture().join().allowed());
                assertFalse(l.admitWrite(t, 100, LongStream.range(100, 200).toArray()).toCompletableFuture().join()
                        .allowed(), "200 series > 150");
                assertTrue(l.acquireQuery(new Tenant(1, 1)).toCompletableFuture().join().allowed(),
                        "another tenant, another slot, its own counter");
            }
        }
    }
}

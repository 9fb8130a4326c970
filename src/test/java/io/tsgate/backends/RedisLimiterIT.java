package io.tsgate.backends;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tsgate.it.RedisServer;
import io.tsgate.limits.LimitFile;
import io.tsgate.limits.LimitRules;
import io.tsgate.limits.LimitVerdict;
import io.tsgate.request.Tenant;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** limit.lua's write limits (rows, active and new series with PFADD/PFCOUNT) against a real redis-server. */
class RedisLimiterIT {
    private static final Tenant T = new Tenant(3, 9);
    private static RedisServer redis;
    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2030-01-01T00:00:05Z"));
    private final Clock clock = new Clock() {
        @Override
        public Instant instant() {
            return now.get();
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    };

    @BeforeAll
    static void start() throws Exception {
        redis = RedisServer.start();
    }

    @AfterAll
    static void stop() {
        redis.close();
    }

    @BeforeEach
    void flush() {
        assertEquals("+OK", redis.command("FLUSHALL"));
    }

    private RedisLimiter limiter(String yaml) throws Exception {
        LimitRules rules = LimitFile.parse(yaml, "test");
        return RedisLimiter.connect(redis.uri().toString(), false, Duration.ofSeconds(2), clock, () -> rules);
    }

    private static LimitVerdict write(RedisLimiter l, long rows, long... hashes) {
        return l.admitWrite(T, rows, hashes).toCompletableFuture().join();
    }

    @Test
    void concurrentPipelinedChecksFromTwoConnectionsNeverOvershoot() throws Exception {
        String yaml = "limits: [{type: queries, value: 50, resolution: minute}]";
        try (RedisLimiter a = limiter(yaml); RedisLimiter b = limiter(yaml)) {
            java.util.List<java.util.concurrent.CompletableFuture<LimitVerdict>> calls = new java.util.ArrayList<>();
            for (int i = 0; i < 200; i++) {
                // Issued without waiting for replies: Lettuce pipelines them on each connection.
                calls.add((i % 2 == 0 ? a : b).acquireQuery(T).toCompletableFuture());
            }
            long allowed = calls.stream().map(java.util.concurrent.CompletableFuture::join)
                    .filter(LimitVerdict::allowed).count();
            assertEquals(50, allowed);
        }
    }

    @Test
    void rowsWriteThatWouldExceedIsRefusedWholeAndNotCounted() throws Exception {
        try (RedisLimiter l = limiter("limits: [{type: rows_inserted, value: 100, resolution: minute}]")) {
            assertEquals(new LimitVerdict(true, "rows_inserted", 100, 40, 55), write(l, 60));
            assertEquals(new LimitVerdict(false, "rows_inserted", 100, 0, 55), write(l, 50));
            assertEquals(new LimitVerdict(true, "rows_inserted", 100, 0, 55), write(l, 40));
            assertFalse(write(l, 1).allowed());
            now.set(now.get().plusSeconds(55));
            assertTrue(write(l, 100).allowed(), "a new window");
        }
    }

    @Test
    void activeAndNewSeriesFromHyperLogLogs() throws Exception {
        try (RedisLimiter l = limiter("""
                limits:
                  - {type: active_series, value: 1000, resolution: hour}
                  - {type: new_series, value: 700, resolution: minute}
                """)) {
            long[] first = LongStream.range(0, 600).toArray();
            long[] second = LongStream.range(600, 1200).toArray();
            assertTrue(write(l, 600, first).allowed());
            assertTrue(write(l, 600, first).allowed(), "the same series again add nothing");
            LimitVerdict over = write(l, 600, second);
            assertFalse(over.allowed());
            assertTrue(over.type().equals("active_series") || over.type().equals("new_series"), over.toString());
            now.set(now.get().plus(Duration.ofMinutes(61)));
            assertTrue(write(l, 600, second).allowed(), "the first series left the trailing hour");
            now.set(now.get().plus(Duration.ofMinutes(1)));
            LimitVerdict v = write(l, 700, LongStream.range(600, 1300).toArray());
            assertTrue(v.allowed(), v.toString());
            assertTrue(v.type().equals("active_series") || v.type().equals("new_series"));
            long active = l.activeSeries(T);
            assertTrue(Math.abs(active - 700) <= 14, "active series now 600..1299: " + active);
            long fresh = l.newSeries(T, io.tsgate.limits.Resolution.MINUTE);
            assertTrue(Math.abs(fresh - 100) <= 14, "new this minute: 1200..1299, got " + fresh);
            assertTrue(redis.command("EXISTS {tsgate:3:9}:tmp").equals(":0"), "no scratch key left behind");
        }
    }

    @Test
    void activeSeriesEstimateIsWithinTwoPercentAt100kSeries() throws Exception {
        long limit = 10_000_000;
        try (RedisLimiter l = limiter("limits: [{type: active_series, value: " + limit + ", resolution: hour}]")) {
            SplittableRandom random = new SplittableRandom(7);
            LimitVerdict last = null;
            for (int batch = 0; batch < 100; batch++) {
                long[] hashes = new long[1000];
                for (int i = 0; i < hashes.length; i++) {
                    hashes[i] = random.nextLong();
                }
                last = write(l, hashes.length, hashes);
                assertTrue(last.allowed());
            }
            long estimate = limit - last.remaining();
            double error = Math.abs(estimate - 100_000) / 100_000.0;
            assertTrue(error < 0.02, "Redis estimates " + estimate + " for 100000 series (" + error * 100 + "% off)");
            assertEquals(estimate, l.activeSeries(T), "the estimate exported as tsgate_tenant_active_series");
            assertEquals(java.util.Set.of(T), l.tenants());
        }
    }
}

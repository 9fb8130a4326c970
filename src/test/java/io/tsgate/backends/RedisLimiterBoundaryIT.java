package io.tsgate.backends;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tsgate.it.RedisServer;
import io.tsgate.limits.LimitFile;
import io.tsgate.limits.LimitRules;
import io.tsgate.limits.LimiterBoundaries;
import io.tsgate.request.Tenant;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link LimiterBoundaries} on limit.lua against a real redis-server: exactly-at-the-limit writes and queries, and
 * the 60-minute series windows probed at minutes 59, 60 and 61 with a clock the test moves.
 */
class RedisLimiterBoundaryIT {
    private static RedisServer redis;
    private final LimiterBoundaries cases = new LimiterBoundaries((yaml, clock) -> {
        // Each scenario starts from an empty Redis, as the local backend starts from an empty state.
        assertEquals("+OK", redis.command("FLUSHALL"));
        LimitRules rules = LimitFile.parse(yaml, "test");
        return RedisLimiter.connect(redis.uri().toString(), false, Duration.ofSeconds(2), clock, () -> rules);
    }, new Tenant(4, 2));

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

    @Test
    void rowsExactlyAtTheLimitFit() throws Exception {
        cases.rowsExactlyAtTheLimitFit();
    }

    @Test
    void queriesExactlyAtTheLimitFit() throws Exception {
        cases.queriesExactlyAtTheLimitFit();
    }

    @Test
    void activeSeriesExactlyAtTheLimitFit() throws Exception {
        cases.activeSeriesExactlyAtTheLimitFit();
    }

    @Test
    void newSeriesExactlyAtTheLimitFit() throws Exception {
        cases.newSeriesExactlyAtTheLimitFit();
    }

    @Test
    void activeSeriesWindowIsSixtyMinutes() throws Exception {
        cases.activeSeriesWindowIsSixtyMinutes();
    }

    @Test
    void newSeriesLooksBackSixtyMinutes() throws Exception {
        cases.newSeriesLooksBackSixtyMinutes();
    }
}

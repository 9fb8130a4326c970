package io.tsgate.limits;

import io.tsgate.request.Tenant;
import org.junit.jupiter.api.Test;

/** {@link LimiterBoundaries} on the local backend ({@code RedisLimiterBoundaryIT} runs the same on Redis). */
class LocalLimiterBoundaryTest {
    private final LimiterBoundaries cases = new LimiterBoundaries((yaml, clock) -> {
        LimitRules rules = LimitFile.parse(yaml, "test");
        return new LocalLimiter(clock, () -> rules);
    }, new Tenant(4, 2));

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

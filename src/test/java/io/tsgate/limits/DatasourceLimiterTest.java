package io.tsgate.limits;

import io.tsgate.testing.MutableClock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tsgate.request.Tenant;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DatasourceLimiterTest {
    private static final Tenant T = new Tenant(1, 5);
    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:20Z"));
    private final List<String> asked = new ArrayList<>();
    private final Map<Tenant, Double> answer = new HashMap<>();
    private boolean down;

    private final UsageSource source = promql -> {
        asked.add(promql);
        if (down) {
            throw new java.io.IOException("connection refused");
        }
        return Map.copyOf(answer);
    };

    @Test
    void defaultQueriesUseWindowAndExtraLabels() {
        DatasourceQueries q = new DatasourceQueries(Map.of(), List.of("job=tsgate", "env=a\"b"));
        assertEquals("sum by (account_id, project_id) (increase(tsgate_tenant_requests_total{job=\"tsgate\",env=\"a\\\"b\"}[1m]))",
                q.render(LimitType.QUERIES, Resolution.MINUTE));
        assertEquals("sum by (account_id, project_id) (tsgate_tenant_new_series{resolution=\"hour\",job=\"tsgate\",env=\"a\\\"b\"})",
                q.render(LimitType.NEW_SERIES, Resolution.HOUR));
        assertEquals("sum by (account_id, project_id) (increase(tsgate_tenant_rows_inserted_total[1h]))",
                new DatasourceQueries(Map.of(), List.of()).render(LimitType.ROWS_INSERTED, Resolution.HOUR));
        assertEquals("my_query[1h]", new DatasourceQueries(Map.of(LimitType.QUERIES, "my_query[$window]"), List.of())
                .render(LimitType.QUERIES, Resolution.HOUR));
    }

    @Test
    void refusesTenantsAtTheirLimitAfterARefreshAndFailsWhileTheDatasourceIsDown() throws Exception {
        LimitRules rules = LimitFile.parse("limits: [{type: queries, value: 10, resolution: minute}]", "t");
        DatasourceLimiter l = new DatasourceLimiter(clock, () -> rules, source,
                new DatasourceQueries(Map.of(), List.of()));
        assertTrue(l.acquireQuery(T).toCompletableFuture().isCompletedExceptionally(), "no data yet");
        assertEquals("no successful datasource query yet", l.unavailableReason());

        answer.put(T, 4.0);
        l.refresh();
        assertEquals(1, asked.size());
        assertNull(l.unavailableReason());
        assertEquals(new LimitVerdict(true, "queries", 10, 5, 40), l.acquireQuery(T).toCompletableFuture().join());
        assertEquals(LimitVerdict.UNLIMITED.allowed(), l.acquireQuery(new Tenant(9, 9)).toCompletableFuture().join().allowed());

        answer.put(T, 10.0);
        l.refresh();
        LimitVerdict v = l.acquireQuery(T).toCompletableFuture().join();
        assertFalse(v.allowed());
        assertEquals(new LimitVerdict(false, "queries", 10, 0, 40), v);

        down = true;
        l.refresh();
        assertTrue(l.acquireQuery(T).toCompletableFuture().isCompletedExceptionally());
        assertTrue(l.unavailableReason().contains("connection refused"));
    }
}

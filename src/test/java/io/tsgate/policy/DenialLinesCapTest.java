package io.tsgate.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tsgate.log.LogSettings;
import io.tsgate.request.RequestAttributes;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

/**
 * A flood of denials writes at most -loggerWarnsPerSecondLimit lines a second; the rest are counted and summarised.
 * JSON denial lines carry their facts as fields. (Log settings are process-wide: this test restores them.)
 */
class DenialLinesCapTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final PrintStream stderr = System.err;
    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();

    private List<String> lines() {
        return captured.toString(StandardCharsets.UTF_8).lines().toList();
    }

    @AfterEach
    void restore() {
        System.setErr(stderr);
        LogSettings.configure("default", "INFO");
    }

    private DecisionObserver observerLoggingJsonWithCap(int perSecond) {
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        LogSettings.configure("json", "INFO", "stderr", false, perSecond, 0);
        return new DecisionObserver(new PrometheusRegistry(), 1, false);
    }

    private static Deny badToken() {
        return new Deny(401, "bad_signature", "token signature does not verify", "1:5", "mallory");
    }

    @Test
    void aFloodOfDenialsIsCappedCountedAndSummarised() throws Exception {
        DecisionObserver o = observerLoggingJsonWithCap(50);
        RequestAttributes r = new RequestAttributes("GET", "/api/v1/query?query=up",
                Map.of("x-forwarded-for", "203.0.113.7"), null, true, "10.0.0.9");
        long before = LogSettings.suppressed(Level.WARN);
        // 2000 denials take far less than the two seconds that could give the cap a second budget.
        long start = System.nanoTime();
        for (int i = 0; i < 2000; i++) {
            o.record("ext_authz", r, badToken(), System.nanoTime());
        }
        long seconds = (System.nanoTime() - start) / 1_000_000_000L + 1;
        List<String> written = lines();
        assertTrue(written.size() >= 50 && written.size() <= 50 * (seconds + 1), written.size() + " lines");
        assertEquals(2000 - written.size(), LogSettings.suppressed(Level.WARN) - before);
        JsonNode line = JSON.readTree(written.get(0));
        assertEquals("warn", line.get("level").asText());
        assertEquals("denied", line.get("msg").asText());
        assertEquals(401, line.get("status").asInt());
        assertEquals("bad_signature", line.get("reason").asText());
        assertEquals("1:5", line.get("tenant").asText());
        assertEquals("mallory", line.get("subject").asText());
        assertEquals("203.0.113.7", line.get("client").asText());
        assertEquals("/api/v1/query", line.get("path").asText(), "never the query string");

        LogSettings.summariseSuppressed();
        List<String> after = lines();
        assertEquals(written.size() + 1, after.size());
        JsonNode summary = JSON.readTree(after.get(after.size() - 1));
        assertEquals(2000 - written.size(), summary.get("suppressed").asLong());
        assertEquals("warn", summary.get("suppressed_level").asText());
        assertEquals("-loggerWarnsPerSecondLimit", summary.get("flag").asText());
        assertEquals("denied", summary.get("lines").asText());
        LogSettings.summariseSuppressed();
        assertEquals(after.size(), lines().size(), "each suppressed line is summarised once");
    }

    @Test
    void withoutACapEveryDenialIsWritten() {
        DecisionObserver o = observerLoggingJsonWithCap(0);
        RequestAttributes r = new RequestAttributes("GET", "/api/v1/query", Map.of(), null, true, "10.0.0.9");
        for (int i = 0; i < 300; i++) {
            o.record("ext_authz", r, badToken(), System.nanoTime());
        }
        assertEquals(300, lines().size());
    }

    @Test
    void aFloodOfDenialsDoesNotSilenceOtherWarnLines() throws Exception {
        DecisionObserver o = observerLoggingJsonWithCap(5);
        RequestAttributes r = new RequestAttributes("GET", "/api/v1/query", Map.of(), null, true, "10.0.0.9");
        for (int i = 0; i < 500; i++) {
            o.record("ext_authz", r, badToken(), System.nanoTime());
        }
        org.slf4j.LoggerFactory.getLogger("io.tsgate.limits.FailSafeLimiter").warn("rate-limit backend redis is down");
        List<String> written = lines();
        assertEquals("rate-limit backend redis is down",
                JSON.readTree(written.get(written.size() - 1)).get("msg").asText(), "the last line: " + written);
    }
}

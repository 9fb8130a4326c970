package io.tsgate.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The stop flags keep VictoriaMetrics' names and defaults (lib/httpserver/httpserver.go: 0 and 7s). */
class ShutdownConfigTest {
    private static ShutdownConfig parse(String... flags) throws ConfigException {
        return ShutdownConfig.from(FlagParser.parse(List.of(flags), Map.of()));
    }

    @Test
    void defaultsAreVictoriaMetricsOwn() throws Exception {
        assertEquals(new ShutdownConfig(Duration.ZERO, Duration.ofSeconds(7)), parse());
    }

    @Test
    void flagsSetBothDurations() throws Exception {
        assertEquals(new ShutdownConfig(Duration.ofSeconds(5), Duration.ofMillis(1500)),
                parse("-http.shutdownDelay=5s", "-http.maxGracefulShutdownDuration=1500ms"));
    }

    @Test
    void aZeroGracefulDurationIsRefusedNamingTheFlag() {
        ConfigException e = assertThrows(ConfigException.class, () -> parse("-http.maxGracefulShutdownDuration=0s"));
        assertTrue(e.getMessage().contains("-http.maxGracefulShutdownDuration"), e.getMessage());
    }
}

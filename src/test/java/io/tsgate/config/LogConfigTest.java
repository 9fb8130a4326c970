package io.tsgate.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** VictoriaMetrics' logger flags, as vmgateway takes them (lib/logger/logger.go). */
class LogConfigTest {
    private static LogConfig parse(String... flags) throws ConfigException {
        return LogConfig.from(FlagParser.parse(List.of(flags), Map.of()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"INFO", "WARN", "ERROR", "FATAL", "PANIC", "fatal", "DEBUG"})
    void everyVictoriaMetricsLevelIsTaken(String level) throws Exception {
        assertEquals(level.toUpperCase(java.util.Locale.ROOT), parse("-loggerLevel=" + level).level());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "-loggerLevel=TRACE                  | -loggerLevel: want DEBUG, INFO, WARN, ERROR, FATAL or PANIC",
        "-loggerOutput=file                  | -loggerOutput: want stderr or stdout",
        "-loggerWarnsPerSecondLimit=-1       | -loggerWarnsPerSecondLimit: want 0 (no cap) or a positive count",
        "-loggerErrorsPerSecondLimit=x       | -loggerErrorsPerSecondLimit: want an integer",
    })
    void badValuesNameTheFlag(String flag, String expected) {
        ConfigException e = assertThrows(ConfigException.class, () -> parse(flag));
        assertTrue(e.getMessage().startsWith(expected), e.getMessage());
    }

    @org.junit.jupiter.api.Test
    void defaultsCapWarnLinesOnly() throws Exception {
        LogConfig c = parse();
        assertEquals("stderr", c.output());
        assertEquals(100, c.warnsPerSecond());
        assertEquals(0, c.errorsPerSecond());
        LogConfig set = parse("-loggerOutput=stdout", "-loggerWarnsPerSecondLimit=0", "-loggerErrorsPerSecondLimit=5",
                "-loggerDisableTimestamps");
        assertEquals("stdout", set.output());
        assertEquals(0, set.warnsPerSecond());
        assertEquals(5, set.errorsPerSecond());
        assertTrue(set.disableTimestamps());
    }
}

package io.tsgate.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class CountingPoolConfigTest {
    private static CountingPoolConfig parse(String... args) throws ConfigException {
        return CountingPoolConfig.from(FlagParser.parse(List.of(args), Map.of()));
    }

    @Test
    void defaultsAreOneThreadPerCoreTwoQueueSlotsPerThreadAndOneSecond() throws Exception {
        int cores = Runtime.getRuntime().availableProcessors();
        assertEquals(new CountingPoolConfig(cores, 2 * cores, Duration.ofSeconds(1)), parse());
    }

    @Test
    void flagsAreRead() throws Exception {
        assertEquals(new CountingPoolConfig(3, 7, Duration.ofMillis(800)),
                parse("-ingest.concurrency=3", "-ingest.queueSize=7", "-ingest.countTimeout=800ms"));
        assertEquals(new CountingPoolConfig(3, 6, Duration.ofSeconds(1)), parse("-ingest.concurrency=3"),
                "the default queue follows the thread count");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "-ingest.concurrency=-1 | -ingest.concurrency",
        "-ingest.concurrency=x | -ingest.concurrency",
        "-ingest.queueSize=-2 | -ingest.queueSize",
        "-ingest.countTimeout=0s | -ingest.countTimeout",
        "-ingest.countTimeout=soon | -ingest.countTimeout",
    })
    void badValuesNameTheFlag(String arg, String flag) {
        ConfigException e = assertThrows(ConfigException.class, () -> parse(arg));
        assertTrue(e.getMessage().startsWith(flag), e.getMessage());
    }
}

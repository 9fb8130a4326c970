package io.tsgate.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HttpServerConfigTest {
    private static HttpServerConfig parse(String... args) throws ConfigException {
        return HttpServerConfig.from(FlagParser.parse(List.of(args), Map.of()));
    }

    @Test
    void defaultsAreVictoriaMetricsTimeoutsAndSizes() throws Exception {
        assertEquals(HttpServerConfig.DEFAULTS, parse());
        assertEquals(new HttpServerConfig(Duration.ofSeconds(5), Duration.ofMinutes(1), 1 << 20, 200), parse());
    }

    @Test
    void flagsAreRead() throws Exception {
        assertEquals(new HttpServerConfig(Duration.ofMillis(1500), Duration.ofSeconds(30), 65536, 50),
                parse("-http.headerReadTimeout=1500ms", "-http.idleConnTimeout=30s", "-http.maxHeaderBytes=65536",
                        "-http.maxHeaders=50"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "-http.headerReadTimeout=0s | -http.headerReadTimeout",
        "-http.idleConnTimeout=soon | -http.idleConnTimeout",
        "-http.maxHeaderBytes=100 | -http.maxHeaderBytes",
        "-http.maxHeaders=2 | -http.maxHeaders",
    })
    void badValuesNameTheFlag(String arg, String flag) {
        ConfigException e = assertThrows(ConfigException.class, () -> parse(arg));
        assertTrue(e.getMessage().startsWith(flag + ":"), e.getMessage());
    }
}

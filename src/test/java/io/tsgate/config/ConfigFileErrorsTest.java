package io.tsgate.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every error in a {@code -config} file names the file, the line and the column at fault. */
class ConfigFileErrorsTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        // YAML syntax: the parser's own position
        "clusterMode: true\\nauth.issuer: [a\\n | 2:16: while parsing a flow sequence; expected ',' or ']', but got <stream end>",
        // a key that is no flag, on its own line and column
        "clusterMode: true\\n  \\nloggerLevel: INFO\\nauth.isuer: x\\n | 4:1: unknown key \"auth.isuer\"",
        // the same key twice would silently keep one of them
        "auth.issuer: a\\n-auth.issuer: b\\n | 2:1: key \"auth.issuer\" is given twice",
        // a mapping where a value belongs: the value's position
        "auth.issuer:\\n  nested: x\\n | 2:3: key \"auth.issuer\" wants a single value",
        "- a\\n- b\\n | 1:1: want a YAML mapping of flag names to values",
    })
    void errorsNameFileLineAndColumn(String yaml, String expected) throws Exception {
        Path f = dir.resolve("tsgate.yaml");
        Files.writeString(f, yaml.replace("\\n", "\n"));
        ConfigException e = assertThrows(ConfigException.class,
                () -> FlagParser.parse(List.of("-config=" + f), Map.of()));
        String want = "-config " + f + ":" + expected;
        assertEquals(want, e.getMessage().substring(0, Math.min(want.length(), e.getMessage().length())),
                e.getMessage());
    }

    /** A well-formed file with a bad value: the flag's own message, then where the file set it. */
    @org.junit.jupiter.api.Test
    void aBadValueFromTheFileNamesItsLineAndColumn() throws Exception {
        Path f = dir.resolve("tsgate.yaml");
        Files.writeString(f, "clusterMode: true\n\nhttp.trustedProxyHops:   -2\n");
        ConfigException e = assertThrows(ConfigException.class,
                () -> GatewayConfig.from(FlagParser.parse(List.of("-config=" + f, "-enable.auth=false"), Map.of())));
        assertEquals("-http.trustedProxyHops: must not be negative (set in -config " + f + ":3:26)", e.getMessage());
        ConfigException cli = assertThrows(ConfigException.class, () -> GatewayConfig.from(FlagParser.parse(
                List.of("-config=" + f, "-enable.auth=false", "-http.trustedProxyHops=-3"), Map.of())));
        assertEquals("-http.trustedProxyHops: must not be negative", cli.getMessage(), "the command line won");
    }

    @org.junit.jupiter.api.Test
    void aMissingFileNamesTheFlag() {
        Path f = dir.resolve("absent.yaml");
        ConfigException e = assertThrows(ConfigException.class,
                () -> FlagParser.parse(List.of("-config=" + f), Map.of()));
        assertEquals("-config " + f + ": cannot read: java.nio.file.NoSuchFileException: " + f, e.getMessage());
    }
}

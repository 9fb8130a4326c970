package io.tsgate.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tsgate.limits.FailureMode;
import io.tsgate.limits.LimitType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LimitsConfigTest {
    private static LimitsConfig parse(String... flags) throws ConfigException {
        return LimitsConfig.from(FlagParser.parse(List.of(flags), Map.of()));
    }

    @Test
    void offByDefault() throws Exception {
        LimitsConfig c = parse();
        assertFalse(c.enabled());
        assertEquals(LimitsConfig.Backend.LOCAL, c.backend());
        assertEquals(FailureMode.OPEN, c.failureMode());
    }

    @Test
    void redisBackendWithOverridesAndSecretsMasked() throws Exception {
        LimitsConfig c = parse("-enable.rateLimit", "-ratelimit.config=l.yaml", "-ratelimit.backend=redis",
                "-redis.url=redis://:hunter2@127.0.0.1:6379", "-ratelimit.failureMode=closed",
                "-ratelimit.query.queries=sum(x[$window])", "-ratelimit.extraLabels=job=tsgate,env=prod");
        assertEquals(LimitsConfig.Backend.REDIS, c.backend());
        assertEquals(FailureMode.CLOSED, c.failureMode());
        assertEquals(Map.of(LimitType.QUERIES, "sum(x[$window])"), c.queryOverrides());
        assertEquals(List.of("job=tsgate", "env=prod"), c.extraLabels());
        assertFalse(c.toString().contains("hunter2"), c.toString());
    }

    @Test
    void datasourceAuthIsBuiltAndMasked() throws Exception {
        LimitsConfig c = parse("-enable.rateLimit", "-ratelimit.config=l.yaml", "-ratelimit.backend=datasource",
                "-datasource.url=http://vm:8428", "-datasource.basicAuth.username=u", "-datasource.basicAuth.password=p");
        assertEquals("Basic dTpw", c.datasource().authorization());
        assertFalse(c.datasource().toString().contains("dTpw"));
        assertTrue(c.datasource().toString().contains("****"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "-enable.rateLimit                                                        | -enable.rateLimit needs -ratelimit.config",
        "-ratelimit.config=l.yaml                                                 | -ratelimit.config is set but -enable.rateLimit is not",
        "-enable.rateLimit,-ratelimit.config=l.yaml,-ratelimit.backend=memcached  | -ratelimit.backend: want local, redis or datasource",
        "-enable.rateLimit,-ratelimit.config=l.yaml,-ratelimit.failureMode=maybe  | -ratelimit.failureMode: want open or closed",
        "-enable.rateLimit,-ratelimit.config=l.yaml,-ratelimit.backend=redis      | -ratelimit.backend=redis needs -redis.url",
        "-enable.rateLimit,-ratelimit.config=l.yaml,-ratelimit.backend=datasource | -ratelimit.backend=datasource needs -datasource.url",
        "-redis.url=http://x                                                      | -redis.url: want redis://",
        "-datasource.url=vm:8428                                                  | -datasource.url: want an http:// or https:// URL",
        "-ratelimit.extraLabels=1a=b                                              | -ratelimit.extraLabels: want name=value",
        "-ratelimit.refreshInterval=0                                             | -ratelimit.refreshInterval: must be positive",
        "-redis.timeout=0                                                         | -redis.timeout: must be positive",
        "-datasource.bearerToken=t,-datasource.basicAuth.username=u               | exclude each other",
        "-datasource.tlsCAFile=/nonexistent/ca.pem                                | -datasource.tlsCAFile: cannot read",
    })
    void badFlagsNameTheFlag(String flags, String expected) {
        List<String> args = new ArrayList<>(List.of(flags.split(",")));
        ConfigException e = assertThrows(ConfigException.class, () -> parse(args.toArray(String[]::new)));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void datasourceUrlWithoutABackendSelectsTheDatasourceBackendAsInVmgateway() throws Exception {
        LimitsConfig c = parse("-enable.rateLimit", "-ratelimit.config=limit.yaml", "-datasource.url=http://localhost:8428");
        assertEquals(LimitsConfig.Backend.DATASOURCE, c.backend());
        assertEquals("http://localhost:8428", c.datasource().url());
    }

    @Test
    void datasourceUrlThatNoBackendReadsStopsStartUp() {
        ConfigException off = assertThrows(ConfigException.class, () -> parse("-datasource.url=http://localhost:8428"));
        assertTrue(off.getMessage().startsWith("-datasource.url is set but -enable.rateLimit is not"), off.getMessage());
        ConfigException local = assertThrows(ConfigException.class, () -> parse("-enable.rateLimit",
                "-ratelimit.config=limit.yaml", "-ratelimit.backend=local", "-datasource.url=http://localhost:8428"));
        assertTrue(local.getMessage().contains("-ratelimit.backend=local does not read it"), local.getMessage());
    }
}

package io.tsgate.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class IngestConfigTest {
    private static IngestConfig parse(String... args) throws ConfigException {
        return IngestConfig.from(FlagParser.parse(List.of(args), Map.of()));
    }

    @Test
    void defaultsMatchEnvoysBufferAndVictoriaMetricsInsertLimit() throws Exception {
        IngestConfig c = parse();
        assertEquals(8 << 20, c.maxBodyBytes());
        assertEquals(32 << 20, c.maxDecodedBytes());
        assertTrue(c.denyUncountable(), "uncountable writes of limited tenants are denied unless allowed");
        assertFalse(c.extProcByDefault(), "a Check without the route's body_counting has no ext_proc after it");
        assertEquals((8 << 20) + 65536, c.maxGrpcMessageBytes());
    }

    @Test
    void flagsAreRead() throws Exception {
        IngestConfig c = parse("-ingest.maxBodyBytes=1024", "-ingest.maxDecodedBytes=4096", "-ratelimit.uncountableWrites=allow");
        assertEquals(new IngestConfig(1024, 4096, false), c);
        assertTrue(parse("-extAuthz.bodyCounting=ext_proc").extProcByDefault());
        assertFalse(parse("-extAuthz.bodyCounting=none").extProcByDefault());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "-ingest.maxBodyBytes=0 | -ingest.maxBodyBytes",
        "-ingest.maxBodyBytes=x | -ingest.maxBodyBytes",
        "-ingest.maxDecodedBytes=10 | -ingest.maxDecodedBytes",
        "-ratelimit.uncountableWrites=maybe | -ratelimit.uncountableWrites",
        "-extAuthz.bodyCounting=extproc | -extAuthz.bodyCounting",
        "-extAuthz.bodyCounting=EXT_PROC | -extAuthz.bodyCounting",
    })
    void badValuesNameTheFlag(String arg, String flag) {
        ConfigException e = assertThrows(ConfigException.class, () -> parse(arg));
        assertTrue(e.getMessage().startsWith(flag), e.getMessage());
    }
}

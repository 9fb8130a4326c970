package io.tsgate.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Size flags read VictoriaMetrics' suffixes as {@code lib/flagutil/bytes.go} (VictoriaMetrics commit
 * b7ef6cc3ed35c607e053a8b7755fc3b896a10eaa) does: upper-cased first, KB…TB in powers of 1000, KiB…TiB in 1024.
 */
class SizesTest {
    @ParameterizedTest
    @CsvSource({"8388608,8388608", "8MiB,8388608", "8MB,8000000", "8mib,8388608", "8MIB,8388608", "8kb,8000",
        "1.5KiB,1536", "1GiB,1073741824", "2KB,2000", "0,0", "1TB,1000000000000", ".5KiB,512"})
    void readsVictoriaMetricsSizes(String text, long bytes) {
        assertEquals(bytes, Sizes.parse(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "8 MiB", "-1", "8M", "Inf", "0x10", "8MiBs", "1e3", "99999999999999TiB"})
    void refusesWhatIsNotASize(String text) {
        assertEquals(-1, Sizes.parse(text));
    }

    @Test
    void ingestMaxBodyBytesTakesSuffixes() throws Exception {
        IngestConfig c = IngestConfig.from(FlagParser.parse(List.of("-ingest.maxBodyBytes=8MiB",
                "-ingest.maxDecodedBytes=32MiB"), Map.of()));
        assertEquals(8 << 20, c.maxBodyBytes());
        assertEquals(32 << 20, c.maxDecodedBytes());
        assertEquals(1 << 20, HttpServerConfig.from(FlagParser.parse(List.of("-http.maxHeaderBytes=1MiB"), Map.of()))
                .maxHeaderBytes());
    }

    @Test
    void aSizePastTwoGibibytesNamesTheFlag() throws Exception {
        FlagValues v = FlagParser.parse(List.of("-ingest.maxBodyBytes=3GiB"), Map.of());
        ConfigException e = assertThrows(ConfigException.class, () -> IngestConfig.from(v));
        assertTrue(e.getMessage().startsWith("-ingest.maxBodyBytes: want a byte count"), e.getMessage());
    }
}

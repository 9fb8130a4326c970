package io.tsgate.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tsgate.request.Label;
import io.tsgate.request.Tenant;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The example key file in examples/apikeys is valid and means what its comments say. */
class ApiKeyExampleTest {
    @Test
    void exampleKeyFileParses() throws Exception {
        List<ApiKeyEntry> keys = new ApiKeyParser("apikey")
                .parseFile(Files.readString(Path.of("examples/apikeys/keys.yaml")));
        assertEquals(2, keys.size());
        assertEquals(Mode.WRITE, keys.get(0).access().mode());
        assertEquals(List.of(new Label("team", "a"), new Label("apikey", "ingest-team-a")),
                keys.get(0).access().extraLabels());
        assertEquals(new Tenant(1, 5), keys.get(1).access().tenant());
        assertEquals(java.time.Instant.parse("2031-01-01T00:00:00Z"), keys.get(1).expiresAt());
    }
}

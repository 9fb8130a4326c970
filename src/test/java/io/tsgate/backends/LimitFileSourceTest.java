package io.tsgate.backends;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class LimitFileSourceTest {
    @Test
    void urlCredentialsAreMaskedInTheNameUsedForLogs() {
        assertEquals("https://****@cfg.example/limits.yaml",
                new LimitFileSource("https://ops:hunter2@cfg.example/limits.yaml").name());
        assertEquals("http://cfg.example/a@b.yaml", new LimitFileSource("http://cfg.example/a@b.yaml").name());
        assertEquals("/etc/tsgate/limits.yaml", new LimitFileSource("/etc/tsgate/limits.yaml").name());
    }
}

package io.tsgate.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** README's flag table is generated from {@link FlagCatalogue}; this keeps the two from drifting. */
class ReadmeFlagsTest {
    @Test
    void readmeFlagTableMatchesFlagCatalogue() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        int start = readme.indexOf("<!-- flags:start -->\n") + "<!-- flags:start -->\n".length();
        int end = readme.indexOf("<!-- flags:end -->");
        assertEquals(FlagCatalogue.markdownTable(), readme.substring(start, end),
                "README.md flag table is stale: replace the text between the flags markers with the expected value");
    }
}

package io.tsgate.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** README's "Coming from vmgateway / vmauth" covers every vmgateway flag, and its generated table is current. */
class ReadmeVmgatewayTest {
    private static String section() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        int start = readme.indexOf("\n## Coming from vmgateway / vmauth\n");
        int end = readme.indexOf("\n## ", start + 1);
        assertTrue(start >= 0 && end > start, "README has the section");
        return readme.substring(start, end);
    }

    @Test
    void ignoredAndRefusedTableMatchesTheCatalogue() throws Exception {
        String s = section();
        int start = s.indexOf("<!-- vmgateway-flags:start -->\n") + "<!-- vmgateway-flags:start -->\n".length();
        int end = s.indexOf("<!-- vmgateway-flags:end -->");
        assertEquals(FlagCatalogue.vmgatewayMarkdownTable(), s.substring(start, end),
                "README's vmgateway flag table is stale: replace the text between the markers with the expected value");
    }

    @Test
    void everyDocumentedVmgatewayFlagHasARow() throws Exception {
        String s = section();
        List<String> missing = VmgatewayFlagsTest.DOCUMENTED.stream().filter(f -> !s.contains("`-" + f + "`")).toList();
        assertEquals(List.of(), missing, "vmgateway flags without a row in README's Coming from vmgateway section");
    }
}

package io.tsgate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * README's table of contents lists every {@code ##} and {@code ###} heading in order, each linked with GitHub's
 * anchor (lower case, punctuation dropped, spaces to hyphens, {@code -1} … for repeats), so no link is dead.
 */
class ReadmeContentsTest {
    private static final String START = "<!-- toc:start -->\n## Contents\n\n";
    private static final String END = "\n<!-- toc:end -->";
    private static final Pattern HEADING = Pattern.compile("^(##|###) (.+)$");

    static String anchor(String title) {
        String t = title.strip().toLowerCase(Locale.ROOT).replace("`", "");
        return t.replaceAll("[^\\p{L}\\p{N}_\\- ]", "").replace(' ', '-');
    }

    /** The contents README should carry, from its own headings (fenced code is not a heading). */
    static String expectedContents(String readme) {
        List<String> lines = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        boolean fence = false;
        String body = readme.substring(readme.indexOf(END) + END.length());
        for (String line : body.split("\n")) {
            if (line.startsWith("```")) {
                fence = !fence;
            }
            Matcher m = HEADING.matcher(line);
            if (fence || !m.matches()) {
                continue;
            }
            String a = anchor(m.group(2));
            int n = seen.merge(a, 1, Integer::sum) - 1;
            lines.add((m.group(1).length() == 3 ? "  " : "") + "- [" + m.group(2).strip() + "](#"
                    + (n == 0 ? a : a + "-" + n) + ")");
        }
        return String.join("\n", lines) + "\n";
    }

    @Test
    void contentsListEveryHeadingWithItsAnchor() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        int start = readme.indexOf(START) + START.length();
        int end = readme.indexOf(END);
        assertEquals(expectedContents(readme), readme.substring(start, end),
                "README.md contents are stale: list the ## and ### headings between the toc markers");
    }

    @Test
    void anchorsFollowGitHub() {
        assertEquals("envoy-grpc-ext_authz-tsgate-envoy-config", anchor("Envoy (gRPC ext_authz): `tsgate envoy-config`"));
        assertEquals("end-to-end-nginx--tsgate-against-vmauth", anchor("End to end: nginx + tsgate against vmauth"));
    }
}

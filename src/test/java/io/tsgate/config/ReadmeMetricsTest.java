package io.tsgate.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every metric tsgate registers is listed in README's Metrics table, so operators can find what they scrape. */
class ReadmeMetricsTest {
    private static final Pattern REGISTERED = Pattern.compile("\\.name\\(\"(tsgate_[a-z0-9_]+)\"\\)");

    @Test
    void everyRegisteredMetricIsInReadmesMetricsTable() throws IOException {
        SortedSet<String> registered = new TreeSet<>();
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                Matcher m = REGISTERED.matcher(Files.readString(f));
                while (m.find()) {
                    registered.add(m.group(1));
                }
            }
        }
        assertTrue(registered.size() > 20, "found the metric registrations: " + registered);
        String readme = Files.readString(Path.of("README.md"));
        int start = readme.indexOf("\n## Metrics\n");
        int end = readme.indexOf("\n## ", start + 1);
        assertTrue(start >= 0 && end > start, "README has a Metrics section");
        String table = readme.substring(start, end);
        List<String> missing = registered.stream().filter(name -> !table.contains("`" + name + "`")
                && !table.contains("`" + name + "{")).toList();
        assertEquals(List.of(), missing, "metrics missing from README's Metrics table");
    }
}

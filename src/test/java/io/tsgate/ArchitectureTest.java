package io.tsgate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The package layout holds: arrows between the top-level packages under {@code io.tsgate} run one way (a
 * sub-package counts with its parent, the root package is one node), and the core (request, auth, policy, limits,
 * ingest) names no Envoy, HTTP listener, gRPC or Netty type. Read from the sources: every import and every
 * fully-qualified name outside comments and string literals.
 */
class ArchitectureTest {
    /** Overridable to check another tree, e.g. an older checkout: -Dtsgate.archRoot=…/src/main/java/io/tsgate */
    private static final Path MAIN = Path.of(System.getProperty("tsgate.archRoot", "src/main/java/io/tsgate"));
    static final String ROOT = "(root)";
    private static final List<String> CORE = List.of("request", "auth", "policy", "limits", "ingest");
    private static final List<String> FORBIDDEN_IN_CORE = List.of("io.tsgate.envoy.", "io.tsgate.http.", "io.grpc.",
            "io.netty.", "io.envoyproxy.");
    /** io.tsgate.name: a lower-case segment is a package, an upper-case one a class of the root package. */
    private static final Pattern TSGATE_NAME = Pattern.compile("\\bio\\.tsgate\\.([A-Za-z_][A-Za-z0-9_]*)");
    private static final Pattern QUALIFIED = Pattern.compile("\\b(?:io|com|org)\\.[a-z][A-Za-z0-9_]*(?:\\.[A-Za-z_][A-Za-z0-9_]*)+");

    @Test
    void topLevelPackagesFormNoCycle() {
        Map<String, Map<String, String>> deps = dependencies(sources());
        assertEquals(List.of(), cycles(deps), "package cycles, each arrow with a file that makes it");
    }

    @Test
    void coreNamesNoTransportType() {
        List<String> offenders = new ArrayList<>();
        sources().forEach((file, code) -> {
            if (CORE.contains(topLevel(file))) {
                Matcher m = QUALIFIED.matcher(code);
                while (m.find()) {
                    String name = m.group();
                    if (FORBIDDEN_IN_CORE.stream().anyMatch(name::startsWith)) {
                        offenders.add(MAIN.relativize(file) + ": " + name);
                    }
                }
            }
        });
        assertEquals(List.of(), offenders);
    }

    /** The detector itself: a planted cycle is found and named, a one-way chain is not. */
    @Test
    void aPlantedCycleIsFound() {
        Map<String, Map<String, String>> oneWay = new TreeMap<>(Map.of(
                "cli", Map.of(ROOT, "cli/Main.java"), ROOT, Map.of("policy", "Gateway.java"),
                "policy", Map.of("request", "policy/Deny.java")));
        assertEquals(List.of(), cycles(oneWay));
        Map<String, Map<String, String>> planted = new TreeMap<>(oneWay);
        planted.put("request", Map.of("policy", "request/Endpoint.java"));
        assertEquals(List.of("policy -> request (policy/Deny.java) -> policy (request/Endpoint.java)"), cycles(planted));
    }

    static String topLevel(Path file) {
        Path rel = MAIN.relativize(file);
        return rel.getNameCount() == 1 ? ROOT : rel.getName(0).toString();
    }

    private static Map<Path, String> sources() {
        Map<Path, String> out = new TreeMap<>();
        try (Stream<Path> files = Files.walk(MAIN)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                out.put(f, code(Files.readString(f)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** The source without comments, string and char literals, and its package line. */
    static String code(String source) {
        String s = source.replaceAll("(?s)/\\*.*?\\*/", " ")
                .replaceAll("//[^\\n]*", " ")
                .replaceAll("(?s)\"\"\".*?\"\"\"", "\"\"")
                .replaceAll("\"(?:\\\\.|[^\"\\\\\\n])*\"", "\"\"")
                .replaceAll("'(?:\\\\.|[^'\\\\\\n])*'", "''");
        return s.replaceFirst("(?m)^\\s*package\\s+[\\w.]+\\s*;", "");
    }

    /** For each top-level package, the packages it names and, for each, one file that does. */
    static Map<String, Map<String, String>> dependencies(Map<Path, String> sources) {
        Map<String, Map<String, String>> deps = new TreeMap<>();
        sources.forEach((file, code) -> {
            String from = topLevel(file);
            Matcher m = TSGATE_NAME.matcher(code);
            while (m.find()) {
                String seg = m.group(1);
                String to = Character.isUpperCase(seg.charAt(0)) ? ROOT : seg;
                if (!to.equals(from)) {
                    deps.computeIfAbsent(from, k -> new TreeMap<>()).putIfAbsent(to, MAIN.relativize(file).toString());
                }
            }
        });
        return deps;
    }

    /** One line per strongly connected group of packages: a cycle through it, each arrow with a file that makes it. */
    static List<String> cycles(Map<String, Map<String, String>> deps) {
        List<String> out = new ArrayList<>();
        Set<String> reported = new TreeSet<>();
        for (String start : new TreeSet<>(deps.keySet())) {
            if (reported.contains(start)) {
                continue;
            }
            List<String> path = shortestReturn(deps, start);
            if (path != null) {
                reported.addAll(path);
                StringBuilder b = new StringBuilder(start);
                for (int i = 1; i < path.size(); i++) {
                    b.append(" -> ").append(path.get(i)).append(" (")
                            .append(deps.get(path.get(i - 1)).get(path.get(i))).append(')');
                }
                out.add(b.toString());
            }
        }
        return out;
    }

    /** The shortest walk start → … → start, or null. */
    private static List<String> shortestReturn(Map<String, Map<String, String>> deps, String start) {
        Map<String, String> parent = new HashMap<>();
        Deque<String> queue = new ArrayDeque<>(List.of(start));
        while (!queue.isEmpty()) {
            String at = queue.poll();
            for (String next : deps.getOrDefault(at, Map.of()).keySet()) {
                if (next.equals(start)) {
                    List<String> path = new ArrayList<>(List.of(start));
                    for (String p = at; !p.equals(start); p = parent.get(p)) {
                        path.add(1, p);
                    }
                    path.add(start);
                    return path;
                }
                if (!parent.containsKey(next)) {
                    parent.put(next, at);
                    queue.add(next);
                }
            }
        }
        return null;
    }
}

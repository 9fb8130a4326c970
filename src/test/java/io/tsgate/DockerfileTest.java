package io.tsgate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tsgate.config.FlagParser;
import io.tsgate.config.GatewayConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The repository's Dockerfile, read as Docker reads it (no engine here): a build stage and a runtime stage that
 * copies only the jar, a non-root user, the listeners exposed, and a HEALTHCHECK whose command is run here, by bash,
 * against a real HTTP listener.
 */
class DockerfileTest {
    /** One instruction: keyword and its arguments, continuation lines joined, comments dropped. */
    record Instruction(String keyword, String args) {
    }

    static List<Instruction> parse(String text) {
        List<Instruction> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : text.split("\n")) {
            if (line.strip().startsWith("#") && current.isEmpty()) {
                continue;
            }
            if (line.endsWith("\\")) {
                current.append(line, 0, line.length() - 1).append(' ');
                continue;
            }
            current.append(line);
            String whole = current.toString().strip();
            current.setLength(0);
            if (!whole.isEmpty()) {
                int sp = whole.indexOf(' ');
                out.add(new Instruction(whole.substring(0, sp).toUpperCase(java.util.Locale.ROOT),
                        whole.substring(sp + 1).strip()));
            }
        }
        return out;
    }

    private static List<Instruction> dockerfile() throws Exception {
        return parse(Files.readString(Path.of("Dockerfile")));
    }

    private static List<Instruction> runtimeStage(List<Instruction> all) {
        int last = 0;
        for (int i = 0; i < all.size(); i++) {
            if (all.get(i).keyword().equals("FROM")) {
                last = i;
            }
        }
        return all.subList(last, all.size());
    }

    private static String value(List<Instruction> stage, String keyword) {
        return stage.stream().filter(i -> i.keyword().equals(keyword)).map(Instruction::args).reduce((a, b) -> b)
                .orElseThrow(() -> new AssertionError("no " + keyword));
    }

    @Test
    void buildsInOneStageAndRunsTheJarAloneAsNonRoot() throws Exception {
        List<Instruction> all = dockerfile();
        assertEquals(2, all.stream().filter(i -> i.keyword().equals("FROM")).count(), "multi-stage");
        assertTrue(all.get(0).args().endsWith(" AS build"), all.get(0).toString());
        for (Instruction i : all.subList(0, all.indexOf(runtimeStage(all).get(0)))) {
            if (i.keyword().equals("COPY")) {
                String source = i.args().split("\\s+")[0];
                assertTrue(Files.exists(Path.of(source)), "the build stage copies " + source);
            }
        }
        List<Instruction> runtime = runtimeStage(all);
        assertTrue(runtime.get(0).args().contains("-jre"), "a JRE, not a JDK, runs tsgate: " + runtime.get(0));
        assertTrue(runtime.stream().anyMatch(i -> i.keyword().equals("COPY")
                && i.args().startsWith("--from=build ") && i.args().endsWith("/opt/tsgate/tsgate.jar")));
        String user = value(runtime, "USER").split(":")[0];
        assertNotEquals("0", user);
        assertNotEquals("root", user);
        assertEquals("9191 8431", value(runtime, "EXPOSE"));
        JsonNode entry = new ObjectMapper().readTree(value(runtime, "ENTRYPOINT"));
        assertEquals("/opt/tsgate/tsgate.jar", entry.get(entry.size() - 1).asText(), "exec form, flags appended");
        assertTrue(Files.readString(Path.of(".dockerignore")).contains("target/"));
    }

    @Test
    void healthCheckPassesAgainstARunningListenerAndFailsWithoutOne(@TempDir Path dir) throws Exception {
        String hc = value(runtimeStage(dockerfile()), "HEALTHCHECK");
        assertTrue(hc.contains("--interval=") && hc.contains("--timeout="), hc);
        JsonNode cmd = new ObjectMapper().readTree(hc.substring(hc.indexOf("CMD ") + 4));
        List<String> argv = new ArrayList<>();
        cmd.forEach(n -> argv.add(n.asText()));
        Files.writeString(dir.resolve("hmac.secret"), "0123456789abcdef0123456789abcdef0123456789abcdef");
        int port;
        try (Gateway g = Gateway.start(GatewayConfig.from(FlagParser.parse(List.of("-grpcListenAddr=127.0.0.1:0",
                "-httpListenAddr=127.0.0.1:0", "-auth.hmacSecretFiles=" + dir.resolve("hmac.secret")), Map.of())),
                Clock.systemUTC())) {
            port = g.httpPort();
            assertEquals(0, run(argv, port), "healthy tsgate");
        }
        assertFalse(run(argv, port) == 0, "stopped tsgate");
    }

    private static int run(List<String> argv, int port) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true);
        pb.environment().put("TSGATE_HTTP_PORT", String.valueOf(port));
        Process p = pb.start();
        p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        return p.exitValue();
    }
}

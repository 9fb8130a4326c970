package io.tsgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * README's first command, {@code examples/quickstart/run.sh}, run as a user would (with the jar this build made, so
 * Maven is not run inside Maven), and its output checked: every row as expected, each team sees only its own data,
 * no credential printed, and nothing left behind.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QuickstartIT {
    private static final Pattern PORT = Pattern.compile("127\\.0\\.0\\.1:(\\d+)");
    private static final Pattern WORK_DIR = Pattern.compile("keys and tokens in (\\S+)/keys");
    private String output;
    private int exit;

    @BeforeAll
    void run(@TempDir Path dir) throws Exception {
        Path jar = Path.of("target/tsgate.jar").toAbsolutePath();
        assertTrue(Files.isRegularFile(jar), "the package phase builds " + jar);
        Path log = dir.resolve("quickstart.out");
        ProcessBuilder pb = new ProcessBuilder("bash", "examples/quickstart/run.sh").redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().put("TSGATE_JAR", jar.toString());
        Process p = pb.start();
        if (!p.waitFor(3, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("quickstart still running after 3 minutes:\n" + Files.readString(log));
        }
        exit = p.exitValue();
        output = Files.readString(log);
    }

    private String row(String credential, String request) {
        return output.lines().filter(l -> l.startsWith(credential + " ") && l.contains(request)).findFirst()
                .orElseThrow(() -> new AssertionError("no row " + credential + " / " + request + " in:\n" + output));
    }

    @Test
    void everyCheckPasses() {
        assertEquals(0, exit, output);
        assertTrue(output.contains("quickstart: all 13 checks passed"), output);
        assertFalse(output.contains("UNEXPECTED"), output);
    }

    @Test
    void eachTeamSeesOnlyItsOwnDataWrittenThroughVmagent() {
        assertTrue(row("dev read token", "GET /api/v1/query").endsWith("allowed: sees team=dev (service=api,web)"),
                "dev's agent wrote team=\"prod\" in its data; the token's label won:\n" + output);
        assertTrue(row("prod read token", "GET /api/v1/query").endsWith("allowed: sees team=prod (service=billing)"),
                output);
        assertTrue(row("dev read + extra_label", "GET /api/v1/query").contains("sees team=dev (service=api,web)"), output);
    }

    @Test
    void denialsHaveTheirStatus() {
        assertTrue(row("no token", "GET").matches(".*\\s401\\s+401\\s+denied: .*"), output);
        assertTrue(row("expired token", "GET").contains("denied: token expired"), output);
        assertTrue(row("token signed by other key", "GET").matches(".*\\s401\\s+401\\s+denied: .*"), output);
        assertTrue(row("dev write token", "GET /api/v1/query").matches(".*\\s403\\s+403\\s+denied: .*"), output);
        assertTrue(row("dev read token", "POST /api/v1/import").matches(".*\\s403\\s+403\\s+denied: .*"), output);
        assertTrue(row("dev read token", "GET /select/").matches(".*\\s400\\s+400\\s+denied: .*"), output);
        assertTrue(row("tenant 7 (2 queries/hour)", "GET").matches(".*\\s429\\s+429\\s+denied: .*over its queries limit of 2.*"),
                output);
    }

    @Test
    void noCredentialIsPrinted() {
        assertFalse(output.contains("eyJ"), "a JWT (base64 of '{\"') appears in the output:\n" + output);
    }

    @Test
    void cleansUpAfterItself() throws IOException {
        Matcher work = WORK_DIR.matcher(output);
        assertTrue(work.find(), output);
        assertFalse(Files.exists(Path.of(work.group(1))), "temporary directory removed: " + work.group(1));
        List<Integer> ports = new ArrayList<>();
        output.lines().filter(l -> l.startsWith("==> starting")).forEach(l -> {
            Matcher m = PORT.matcher(l);
            while (m.find()) {
                ports.add(Integer.parseInt(m.group(1)));
            }
        });
        assertEquals(4, ports.size(), "VictoriaMetrics, tsgate (2) and nginx ports in:\n" + output);
        for (int port : ports) {
            Await.until("nothing listening on " + port, Duration.ofSeconds(10), () -> listening(port), l -> !l);
        }
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}

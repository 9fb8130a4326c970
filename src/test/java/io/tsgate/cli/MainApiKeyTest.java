package io.tsgate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tsgate apikey …} is routed to the API key command, and the server help names it. */
class MainApiKeyTest {
    @Test
    void apikeySubcommandCreatesAKey(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Path file = dir.resolve("k.yaml");
        int code = Main.run(new String[] {"apikey", "create", "cli", "-file=" + file},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        assertTrue(out.toString(StandardCharsets.UTF_8).startsWith("tsg_"));
        assertTrue(Files.readString(file).contains("name: \"cli\""), Files.readString(file));
        ByteArrayOutputStream help = new ByteArrayOutputStream();
        Main.run(new String[] {"-help"}, new PrintStream(help, true, StandardCharsets.UTF_8), System.err);
        assertTrue(help.toString(StandardCharsets.UTF_8).contains("tsgate apikey create"));
    }
}

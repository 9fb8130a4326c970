package io.tsgate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The spellings the subcommands accepted before picocli parsed them keep working. */
class SubcommandSpellingsTest {
    private record Result(int code, String out, String err) {
    }

    private static Result main(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @ValueSource(strings = {"-help", "--help", "-h", "--h"})
    void everyHelpSpellingPrintsUsage(String help) {
        for (List<String> command : List.of(List.of("token"), List.of("token", "keygen"), List.of("check"),
                List.of("envoy-config"), List.of("apikey", "create", "x"))) {
            List<String> args = new ArrayList<>(command);
            args.add(help);
            Result r = main(args.toArray(String[]::new));
            assertEquals(0, r.code(), command + " " + help + ": " + r.err());
            assertTrue(r.out().startsWith("Usage: tsgate"), r.out());
        }
    }

    @Test
    void singleAndDoubleDashNameEqualsValueBothWork(@TempDir Path dir) throws Exception {
        Result keys = main("token", "keygen", "--dir=" + dir, "-name=k", "-force=false");
        assertEquals(0, keys.code(), keys.err());
        Path key = dir.resolve("k.key");
        Result single = main("token", "-key=" + key, "-ttl=-5m", "-label=team=dev", "-label=env=prod", "-kid=");
        Result dashes = main("token", "--key=" + key, "--ttl=-5m", "--account=7");
        assertEquals(0, single.code(), single.err());
        assertEquals(0, dashes.code(), dashes.err());
        Result again = main("token", "keygen", "-dir=" + dir, "-name=k");
        assertEquals(2, again.code(), "an existing key is kept without -force");
        assertEquals(0, main("token", "keygen", "-dir=" + dir, "-name=k", "-force").code());
        assertTrue(Files.exists(key));
    }

    @Test
    void checkHandsUnknownOptionsToTheServerFlagParser() {
        Result r = main("check", "-enable.auth=false", "-clusterMode", "--path=/api/v1/query", "-method=GET");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("forwarded path: /select/0:0/prometheus/api/v1/query"), r.out());
    }
}

package io.tsgate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tsgate.auth.ApiKeyEntry;
import io.tsgate.auth.ApiKeyParser;
import io.tsgate.auth.ApiKeySet;
import io.tsgate.auth.Mode;
import io.tsgate.request.Label;
import io.tsgate.request.Tenant;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApiKeyCommandTest {
    @TempDir
    Path dir;

    record Result(int code, String out, String err) {
    }

    static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = ApiKeyCommand.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), new SecureRandom());
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void createPrintsTheKeyOnceAndStoresOnlyItsHashWithTheGrant() throws Exception {
        Path file = dir.resolve("keys.yaml");
        Result r = run("create", "ingest", "-file=" + file, "-account=7", "-project=3", "-mode=write",
                "-label=team=dev", "-filter={env=\"prod\"}", "-expires=2030-01-01T00:00:00+01:00");
        assertEquals(0, r.code(), r.err());
        String key = r.out().trim();
        assertTrue(key.startsWith("tsg_") && key.length() == 47, key);
        String stored = Files.readString(file);
        assertFalse(stored.contains(key), "the key itself is never stored");
        assertFalse(r.err().contains(key), "the key is printed once, on stdout only");
        List<ApiKeyEntry> entries = new ApiKeyParser("").parseFile(stored);
        ApiKeyEntry e = new ApiKeySet(entries).find(ApiKeySet.hash(key));
        assertEquals("ingest", e.name());
        assertEquals(new Tenant(7, 3), e.access().tenant());
        assertEquals(Mode.WRITE, e.access().mode());
        assertEquals(List.of(new Label("team", "dev")), e.access().extraLabels());
        assertEquals(List.of("{env=\"prod\"}"), e.access().extraFilters());
        assertEquals(java.time.Instant.parse("2029-12-31T23:00:00Z"), e.expiresAt());

        Result second = run("create", "reader", "-file=" + file, "-mode=read");
        assertEquals(0, second.code(), second.err());
        assertEquals(2, new ApiKeyParser("").parseFile(Files.readString(file)).size());
        assertTrue(!second.out().trim().equals(key));
    }

    @Test
    void aDuplicateNameOrBadOptionIsAUsageErrorAndLeavesTheFileAlone() throws Exception {
        Path file = dir.resolve("keys.yaml");
        assertEquals(0, run("create", "a", "-file=" + file).code());
        String before = Files.readString(file);
        Result dup = run("create", "a", "-file=" + file);
        assertEquals(2, dup.code());
        assertTrue(dup.err().contains("twice"), dup.err());
        assertEquals(2, run("create", "b", "-file=" + file, "-mode=9").code());
        assertEquals(2, run("create", "b", "-file=" + file, "-filter=up").code());
        assertEquals(2, run("create", "b").code());
        assertEquals(2, run("create", "bad name", "-file=" + file).code());
        assertEquals(before, Files.readString(file));
    }
}

package io.tsgate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckCommandTest {
    @TempDir
    Path dir;
    private Path tokenFile;
    private String token;

    private record Result(int code, String out, String err) {
    }

    private static Result run(String command, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        int code = command.equals("token") ? TokenCommand.run(List.of(args), o, e) : CheckCommand.run(List.of(args), o, e);
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @BeforeEach
    void token() throws Exception {
        assertEquals(0, run("token", "keygen", "-family=P-256", "-dir=" + dir, "-name=k").code());
        token = run("token", "-key=" + dir.resolve("k.key"), "-kid=k", "-account=3", "-project=4", "-mode=read",
                "-label=team=dev").out().trim();
        tokenFile = Files.writeString(dir.resolve("token"), token + "\n");
    }

    @Test
    void explainsAnAllowWithTheClusterRewrite() {
        Result r = run("check", "-auth.publicKeyFiles=" + dir.resolve("k.pem"), "-clusterMode",
                "-path=/api/v1/query?query=up&extra_label=team=ops", "-tokenFile=" + tokenFile);
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("forwarded path: /select/3:4/prometheus/api/v1/query?query=up&extra_label=team%3Ddev"),
                r.out());
        assertFalse(r.out().contains("team=ops") || r.out().contains("team%3Dops"), r.out());
        assertFalse(r.out().contains(token), "the token is never printed");
    }

    @Test
    void explainsADenyWithStatusAndReason() {
        Result r = run("check", "-auth.publicKeyFiles=" + dir.resolve("k.pem"), "-method=POST",
                "-path=/api/v1/import/prometheus", "-token=" + token);
        assertEquals(1, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("status:   403"), r.out());
        assertTrue(r.out().contains("reason:   mode_forbids_write"), r.out());
    }

    @Test
    void aTokenWithAnAlteredSignatureSpellingIsMalformed() {
        Result r = run("check", "-auth.publicKeyFiles=" + dir.resolve("k.pem"), "-path=/api/v1/query?query=up",
                "-token=" + token + "~");
        assertEquals(1, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("status:   401"), r.out());
        assertTrue(r.out().contains("reason:   malformed_token"), r.out());
    }

    @Test
    void explainsALogsDecisionForTheBackendNamed() {
        Result denied = run("check", "-auth.publicKeyFiles=" + dir.resolve("k.pem"), "-backend=logs",
                "-path=/select/logsql/query?query=x", "-token=" + token);
        assertEquals(1, denied.code(), denied.out() + denied.err());
        assertTrue(denied.out().contains("no_logs_grant"), denied.out());
        String logs = run("token", "-key=" + dir.resolve("k.key"), "-kid=k", "-metrics=false", "-logs.account=6",
                "-logs.filter=app:x").out().trim();
        Result allowed = run("check", "-auth.publicKeyFiles=" + dir.resolve("k.pem"), "-backend=logs",
                "-path=/select/logsql/query?query=x", "-token=" + logs);
        assertEquals(0, allowed.code(), allowed.out() + allowed.err());
        assertTrue(allowed.out().contains("set headers:    {accountid=6, projectid=0}"), allowed.out());
        assertTrue(allowed.out().contains("extra_filters=app%3Ax"), allowed.out());
    }

    @Test
    void badServerFlagIsAUsageError() {
        Result r = run("check", "-auth.publicKeyFiles=" + dir.resolve("k.pem"), "-no.such=1", "-path=/api/v1/query");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("no.such"), r.err());
        assertEquals(2, run("check", "-auth.publicKeyFiles=" + dir.resolve("k.pem")).code());
    }
}

package io.tsgate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tsgate token -claim} mints identity-provider-shaped tokens; {@code tsgate check} names the rule that grants. */
class AccessRulesCliTest {
    @TempDir
    Path dir;

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

    @Test
    void aKeycloakShapedTokenGetsTheGrantOfTheMatchingRule() throws Exception {
        assertEquals(0, run("token", "keygen", "-family=RSA", "-dir=" + dir, "-name=kc").code());
        Path rules = Files.writeString(dir.resolve("rules.yaml"), """
                rules:
                  - name: dev-readers
                    match_claims:
                      groups: team-dev
                      realm_access.roles: "^vm-(?P<env>[a-z]+)$"
                    vm_access:
                      tenant_id: {account_id: 7, project_id: 0}
                      extra_labels: {env: "{{env}}"}
                      mode: 1
                """);
        String token = run("token", "-key=" + dir.resolve("kc.key"), "-kid=kc", "-noVmAccess",
                "-iss=https://kc/realms/demo", "-claim=groups=[\"team-dev\",\"ops\"]",
                "-claim=realm_access={\"roles\":[\"offline_access\",\"vm-prod\"]}").out().trim();
        String payload = new String(Base64.getUrlDecoder().decode(token.split("\\.")[1]), StandardCharsets.UTF_8);
        assertTrue(payload.contains("\"groups\":[\"team-dev\",\"ops\"]") && !payload.contains("vm_access"), payload);
        String key = dir.resolve("kc.pem") + "|issuer=https://kc/realms/demo";
        Result r = run("check", "-auth.publicKeyFiles=" + key, "-auth.accessRules=" + rules,
                "-path=/api/v1/query?query=up", "-token=" + token);
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("tenant:         7:0"), r.out());
        assertTrue(r.out().contains("extra labels:   [env=prod]"), r.out());
        assertTrue(r.out().contains("dev-readers (1 exact, 1 expression): matches"), r.out());
        assertTrue(r.out().contains("access rule:    dev-readers grants"), r.out());

        String other = run("token", "-key=" + dir.resolve("kc.key"), "-kid=kc", "-noVmAccess",
                "-iss=https://kc/realms/demo", "-claim=groups=ops").out().trim();
        Result d = run("check", "-auth.publicKeyFiles=" + key, "-auth.accessRules=" + rules,
                "-path=/api/v1/query?query=up", "-token=" + other);
        assertEquals(1, d.code(), d.out() + d.err());
        assertTrue(d.out().contains("status:   403") && d.out().contains("reason:   no_access_rule"), d.out());
        assertTrue(d.out().contains("no, groups does not match team-dev"), d.out());

        String wrongIssuer = run("token", "-key=" + dir.resolve("kc.key"), "-kid=kc", "-noVmAccess",
                "-iss=https://elsewhere", "-claim=groups=team-dev").out().trim();
        Result w = run("check", "-auth.publicKeyFiles=" + key, "-auth.accessRules=" + rules,
                "-path=/api/v1/query?query=up", "-token=" + wrongIssuer);
        assertTrue(w.out().contains("status:   401") && w.out().contains("bad_issuer"), w.out());
    }
}

package io.tsgate;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tsgate.config.ConfigException;
import io.tsgate.config.FlagParser;
import io.tsgate.config.GatewayConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A file flag that names a missing file stops start-up with a message that begins with that flag. */
class MissingFilesTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "config |",
        "tlsCertFile | -tls -tlsKeyFile=KEY",
        "tlsKeyFile | -tls -tlsCertFile=KEY",
        "tlsCAFile | -tls -tlsCertFile=KEY -tlsKeyFile=KEY",
        "auth.publicKeyFiles |",
        "auth.hmacSecretFiles |",
        "apikeys.file |",
        "ratelimit.config | -enable.rateLimit",
        "auth.jwksTLSCAFile | -auth.jwksEndpoints=https://127.0.0.1:1/jwks",
        "datasource.tlsCAFile | -enable.rateLimit -ratelimit.config=LIMITS -ratelimit.backend=datasource -datasource.url=https://127.0.0.1:1",
        "datasource.bearerTokenFile | -enable.rateLimit -ratelimit.config=LIMITS -ratelimit.backend=datasource -datasource.url=https://127.0.0.1:1",
        "datasource.basicAuth.passwordFile | -enable.rateLimit -ratelimit.config=LIMITS -ratelimit.backend=datasource -datasource.url=https://127.0.0.1:1 -datasource.basicAuth.username=u",
    })
    void theMessageStartsWithTheFlag(String flag, String others) throws Exception {
        Path missing = dir.resolve("missing-" + flag);
        Files.writeString(dir.resolve("key"), "x");
        Files.writeString(dir.resolve("hmac.secret"), "0123456789abcdef0123456789abcdef0123456789abcdef");
        Files.writeString(dir.resolve("limits.yaml"), "limits: []\n");
        List<String> args = new ArrayList<>(List.of("-grpcListenAddr=127.0.0.1:0", "-httpListenAddr=127.0.0.1:0"));
        if (!flag.startsWith("auth.")) {
            args.add("-auth.hmacSecretFiles=" + dir.resolve("hmac.secret"));
        }
        if (others != null) {
            for (String o : others.trim().split(" ")) {
                args.add(o.replace("KEY", dir.resolve("key").toString())
                        .replace("LIMITS", dir.resolve("limits.yaml").toString()));
            }
        }
        args.add("-" + flag + "=" + missing);
        Exception e = assertThrows(Exception.class, () -> {
            try (Gateway g = Gateway.start(GatewayConfig.from(FlagParser.parse(args, Map.of())), Clock.systemUTC())) {
                g.grpcPort();
            }
        });
        assertTrue(e instanceof ConfigException, e.toString());
        assertTrue(e.getMessage().startsWith("-" + flag), e.getMessage());
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    }
}

package io.tsgate.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Flags of the JWKS, API key and mutual TLS sources: accepted values, and one clear error naming the flag. */
class CredentialConfigTest {
    @TempDir
    static Path dir;

    private static GatewayConfig config(String... flags) throws ConfigException {
        return GatewayConfig.from(FlagParser.parse(List.of(flags), Map.of()));
    }

    @Test
    void jwksOrApiKeysAloneSatisfyEnableAuth() throws Exception {
        GatewayConfig c = config("-auth.jwksEndpoints=https://idp/keys,http://127.0.0.1:1/jwks",
                "-auth.oidcDiscoveryEndpoints=https://idp/.well-known/openid-configuration",
                "-auth.jwksRefreshInterval=1m", "-auth.jwksMinRefreshInterval=10s");
        TokenKeysConfig s = c.tokenKeys();
        assertEquals(List.of(URI.create("https://idp/keys"), URI.create("http://127.0.0.1:1/jwks")), s.jwksEndpoints());
        assertEquals(Duration.ofSeconds(10), s.jwksMinRefreshInterval());
        assertTrue(config("-apikeys.redisUrl=redis://:secret@127.0.0.1:6379").apiKeys().configured());
        assertTrue(!config("-apikeys.redisUrl=redis://:secret@127.0.0.1:6379").apiKeys().toString()
                .contains("secret"), "the Redis URL may hold a password and is never printed");
        ConfigException none = assertThrows(ConfigException.class, () -> config());
        assertTrue(none.getMessage().contains("-auth.jwksEndpoints"), none.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "not a URL        | -auth.jwksEndpoints=idp/keys                       | -auth.jwksEndpoints",
            "ftp              | -auth.oidcDiscoveryEndpoints=ftp://idp/x            | -auth.oidcDiscoveryEndpoints",
            "user info        | -auth.jwksEndpoints=https://u:p@idp/keys            | credentials in the URL",
            "min over refresh | -auth.jwksMinRefreshInterval=10m                    | -auth.jwksMinRefreshInterval",
            "zero timeout     | -auth.jwksTimeout=0                                 | -auth.jwksTimeout",
            "missing CA file  | -auth.jwksTLSCAFile=/nope/ca.pem                    | -auth.jwksTLSCAFile",
            "bad redis URL    | -apikeys.redisUrl=http://redis:6379                 | -apikeys.redisUrl",
            "bad name label   | -apikeys.nameLabel=bad-label                        | -apikeys.nameLabel",
            "same header      | -apikeys.httpHeader=Authorization                   | -apikeys.httpHeader",
            "zero sync        | -apikeys.syncInterval=0                             | -apikeys.syncInterval",
            "CA without TLS   | -tlsCAFile=/etc/hostname                            | -tlsCAFile needs -tls"})
    void invalidValuesNameTheFlag(String what, String flag, String expected) throws Exception {
        List<String> flags = new ArrayList<>(List.of("-auth.jwksEndpoints=https://idp/keys", flag));
        ConfigException e = assertThrows(ConfigException.class, () -> config(flags.toArray(String[]::new)));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void fileAndRedisAreAlternatives() throws Exception {
        Path f = Files.writeString(dir.resolve("k.yaml"), "keys: []\n");
        ConfigException e = assertThrows(ConfigException.class, () -> config("-apikeys.file=" + f,
                "-apikeys.redisUrl=redis://127.0.0.1:6379"));
        assertTrue(e.getMessage().contains("alternatives"), e.getMessage());
    }
}

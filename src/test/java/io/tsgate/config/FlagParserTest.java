package io.tsgate.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FlagParserTest {
    @TempDir
    Path dir;

    @Test
    void singleAndDoubleDashSpellingsAreEquivalent() throws Exception {
        FlagValues a = FlagParser.parse(List.of("-clusterMode", "--auth.issuer=me", "-auth.audience", "you"), Map.of());
        assertTrue(a.bool("clusterMode"));
        assertEquals("me", a.string("auth.issuer"));
        assertEquals("you", a.string("auth.audience"));
    }

    @Test
    void listFlagsRepeatAndTakeCommas() throws Exception {
        FlagValues v = FlagParser.parse(List.of("-auth.publicKeyFiles=a.pem,b.pem", "-auth.publicKeyFiles=c.pem"), Map.of());
        assertEquals(List.of("a.pem", "b.pem", "c.pem"), v.list("auth.publicKeyFiles"));
    }

    @Test
    void unknownFlagIsNamedInTheError() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> FlagParser.parse(List.of("-auth.publicKeyFile=x"), Map.of()));
        assertTrue(e.getMessage().contains("-auth.publicKeyFile"), e.getMessage());
    }

    @Test
    void badDurationIsNamedInTheError() throws Exception {
        FlagValues v = FlagParser.parse(List.of("-auth.clockSkew=ten"), Map.of());
        ConfigException e = assertThrows(ConfigException.class, () -> v.duration("auth.clockSkew"));
        assertTrue(e.getMessage().contains("-auth.clockSkew"), e.getMessage());
    }

    @Test
    void durationsParseGoSpelling() {
        assertEquals(Duration.ofMinutes(90), Durations.parse("1h30m"));
        assertEquals(Duration.ofMillis(250), Durations.parse("250ms"));
        assertEquals(null, Durations.parse("5 minutes"));
    }

    @Test
    void environmentIsReadOnlyWithEnvflagEnable() throws Exception {
        Map<String, String> env = Map.of("TS_auth_issuer", "from-env");
        assertEquals("", FlagParser.parse(List.of(), env).string("auth.issuer"));
        FlagValues v = FlagParser.parse(List.of("-envflag.enable", "-envflag.prefix=TS_"), env);
        assertEquals("from-env", v.string("auth.issuer"));
    }

    @Test
    void commandLineWinsOverConfigFile() throws Exception {
        Path f = dir.resolve("c.yaml");
        Files.writeString(f, "auth.issuer: file\nauth.audience: aud\nauth.publicKeyFiles: [a.pem, b.pem]\n");
        FlagValues v = FlagParser.parse(List.of("-config=" + f, "-auth.issuer=cli"), Map.of());
        assertEquals("cli", v.string("auth.issuer"));
        assertEquals("aud", v.string("auth.audience"));
        assertEquals(List.of("a.pem", "b.pem"), v.list("auth.publicKeyFiles"));
    }

    @Test
    void unknownConfigKeyIsNamedWithTheFile() throws Exception {
        Path f = dir.resolve("c.yaml");
        Files.writeString(f, "auth.isuer: typo\n");
        ConfigException e = assertThrows(ConfigException.class,
                () -> FlagParser.parse(List.of("-config=" + f), Map.of()));
        assertTrue(e.getMessage().contains("auth.isuer") && e.getMessage().contains(f.toString()), e.getMessage());
    }

    @Test
    void authWithoutKeysRefusesToStart() throws Exception {
        ConfigException e = assertThrows(ConfigException.class,
                () -> GatewayConfig.from(FlagParser.parse(List.of("-enable.auth"), Map.of())));
        assertTrue(e.getMessage().contains("-auth.publicKeyFiles"), e.getMessage());
        GatewayConfig insecure = GatewayConfig.from(FlagParser.parse(
                List.of("-auth.insecureSkipSignatureVerification"), Map.of()));
        assertTrue(insecure.tokenKeys().skipSignatureVerification());
    }

    @Test
    void listenAddressAcceptsPortOnlyAndRejectsGarbage() throws Exception {
        assertEquals(new ListenAddress("", 9191), ListenAddress.parse("grpcListenAddr", ":9191"));
        assertEquals(new ListenAddress("127.0.0.1", 0), ListenAddress.parse("grpcListenAddr", "127.0.0.1:0"));
        assertThrows(ConfigException.class, () -> ListenAddress.parse("grpcListenAddr", "9191"));
        assertThrows(ConfigException.class, () -> ListenAddress.parse("grpcListenAddr", ":99999"));
    }

    @Test
    void booleanFlagRejectsNonsense() throws Exception {
        FlagValues v = FlagParser.parse(List.of("-clusterMode=maybe"), Map.of());
        assertThrows(ConfigException.class, () -> v.bool("clusterMode"));
        assertFalse(FlagParser.parse(List.of("-clusterMode=false"), Map.of()).bool("clusterMode"));
    }
}

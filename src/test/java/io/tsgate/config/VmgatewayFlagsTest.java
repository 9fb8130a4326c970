package io.tsgate.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * vmgateway's command lines run unchanged: each of its documented flags is honoured, or taken with one warning that
 * says what tsgate does instead, or refused with a message that says why and what to do.
 */
class VmgatewayFlagsTest {
    /** Every flag in vmgateway's documented flag list (the editions of its README up to v1.95). */
    static final List<String> DOCUMENTED = List.of("auth.httpHeader", "auth.jwksEndpoints", "auth.oidcDiscoveryEndpoints",
            "auth.publicKeyFiles", "auth.publicKeys", "clusterMode", "datasource.appendTypePrefix",
            "datasource.basicAuth.password", "datasource.basicAuth.passwordFile", "datasource.basicAuth.username",
            "datasource.bearerToken", "datasource.bearerTokenFile", "datasource.disableKeepAlive",
            "datasource.disableStepParam", "datasource.headers", "datasource.lookback", "datasource.maxIdleConnections",
            "datasource.oauth2.clientID", "datasource.oauth2.clientSecret", "datasource.oauth2.clientSecretFile",
            "datasource.oauth2.scopes", "datasource.oauth2.tokenUrl", "datasource.queryStep",
            "datasource.queryTimeAlignment", "datasource.roundDigits", "datasource.showURL", "datasource.tlsCAFile",
            "datasource.tlsCertFile", "datasource.tlsInsecureSkipVerify", "datasource.tlsKeyFile",
            "datasource.tlsServerName", "datasource.url", "enable.auth", "enable.rateLimit", "enableTCP6",
            "envflag.enable", "envflag.prefix", "eula", "filestream.disableFadvise", "flagsAuthKey", "fs.disableMmap",
            "http.connTimeout", "http.disableResponseCompression", "http.header.csp", "http.header.frameOptions",
            "http.header.hsts", "http.idleConnTimeout", "http.maxGracefulShutdownDuration", "http.pathPrefix",
            "http.shutdownDelay", "httpAuth.password", "httpAuth.username", "httpListenAddr",
            "httpListenAddr.useProxyProtocol", "internStringCacheExpireDuration", "internStringDisableCache",
            "internStringMaxLen", "license", "license.forceOffline", "licenseFile", "loggerDisableTimestamps",
            "loggerErrorsPerSecondLimit", "loggerFormat", "loggerJSONFields", "loggerLevel", "loggerOutput",
            "loggerTimezone", "loggerWarnsPerSecondLimit", "memory.allowedBytes", "memory.allowedPercent",
            "metricsAuthKey", "pprofAuthKey", "pushmetrics.extraLabel", "pushmetrics.interval", "pushmetrics.url",
            "ratelimit.config", "ratelimit.configCheckInterval", "ratelimit.extraLabels", "ratelimit.refreshInterval",
            "read.url", "remoteRead.disablePathAppend", "tls", "tlsCertFile", "tlsCipherSuites", "tlsKeyFile",
            "tlsMinVersion", "version", "write.url");

    @TempDir
    Path dir;

    @Test
    void everyDocumentedVmgatewayFlagIsHonouredIgnoredOrRefused() {
        List<String> unknown = new ArrayList<>();
        for (String name : DOCUMENTED) {
            if (FlagCatalogue.find(name) == null && FlagCatalogue.findVmgateway(name) == null) {
                unknown.add(name);
            }
        }
        assertEquals(List.of(), unknown, "vmgateway flags tsgate would call unknown");
    }

    @Test
    void aFlagIsEitherTsgatesOwnOrVmgatewayOnlyNeverBoth() {
        for (VmgatewayFlag v : FlagCatalogue.VMGATEWAY_ONLY) {
            assertEquals(null, FlagCatalogue.find(v.name()), v.name() + " is served by tsgate: drop it from VMGATEWAY_ONLY");
        }
    }

    @Test
    void singleNodeQuickStartCommandLineParsesWithOneWarningPerIgnoredFlag() throws Exception {
        // vmgateway's single-node quick start, spaces and double dashes as documented.
        FlagValues v = FlagParser.parse(List.of("-eula", "-enable.auth", "-read.url", "http://localhost:8428",
                "--write.url", "http://localhost:8428"), Map.of());
        assertTrue(v.bool("enable.auth"));
        assertEquals(3, v.warnings().size(), v.warnings().toString());
        assertTrue(v.warnings().get(0).startsWith("-eula is ignored: "), v.warnings().toString());
        assertTrue(v.warnings().get(1).startsWith("-read.url is ignored: ")
                && v.warnings().get(1).contains("tsgate envoy-config"), v.warnings().toString());
        assertTrue(v.warnings().get(2).startsWith("-write.url is ignored: "), v.warnings().toString());
    }

    @Test
    void aRepeatedIgnoredFlagWarnsOnce() throws Exception {
        FlagValues v = FlagParser.parse(List.of("-eula", "-eula=true"), Map.of());
        assertEquals(1, v.warnings().size(), v.warnings().toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"-httpAuth.username=u", "-http.pathPrefix=/gw",
        "-datasource.oauth2.clientID=x", "-datasource.headers=X-Auth:1", "-httpListenAddr.useProxyProtocol",
        "-pushmetrics.url=http://vm:8428/api/v1/import/prometheus"})
    void refusedFlagsStopStartUpSayingWhyAndWhatToDo(String flag) {
        ConfigException e = assertThrows(ConfigException.class, () -> FlagParser.parse(List.of(flag), Map.of()));
        String name = flag.substring(1, flag.contains("=") ? flag.indexOf('=') : flag.length());
        assertTrue(e.getMessage().startsWith("-" + name + " is not supported: "), e.getMessage());
        assertTrue(e.getMessage().length() > name.length() + 40, "says what to do: " + e.getMessage());
    }

    @Test
    void refusedFlagsTakeTheirValueSoTheNextFlagIsNotMistakenForIt() throws Exception {
        // -read.url takes the next argument; -enable.auth after it stays a flag.
        FlagValues v = FlagParser.parse(List.of("-read.url", "http://vmselect:8481", "-clusterMode"), Map.of());
        assertTrue(v.bool("clusterMode"));
    }

    /** vmgateway has no config file: its flags are command-line (and environment) compatibility only. */
    @Test
    void vmgatewayOnlyKeysInTsgatesConfigFileAreUnknownKeys() throws Exception {
        Path cfg = dir.resolve("tsgate.yaml");
        Files.writeString(cfg, "eula: true\n");
        ConfigException e = assertThrows(ConfigException.class, () -> FlagParser.parse(List.of("-config=" + cfg), Map.of()));
        assertTrue(e.getMessage().contains("unknown key \"eula\""), e.getMessage());
    }

    @Test
    void tsgatesOwnFlagsGiveNoWarnings() throws Exception {
        assertFalse(FlagParser.parse(List.of("-clusterMode"), Map.of()).warnings().iterator().hasNext());
    }

    @Test
    void environmentUnderEnvflagFollowsTheSameRules() throws Exception {
        FlagValues v = FlagParser.parse(List.of("-envflag.enable", "-envflag.prefix=VM_"), Map.of("VM_eula", "true"));
        assertEquals(1, v.warnings().size(), v.warnings().toString());
        ConfigException e = assertThrows(ConfigException.class, () -> FlagParser.parse(
                List.of("-envflag.enable", "-envflag.prefix=VM_"), Map.of("VM_httpAuth_password", "secret")));
        assertTrue(e.getMessage().startsWith("-httpAuth.password is not supported: "), e.getMessage());
        assertEquals(List.of(), FlagParser.parse(List.of(), Map.of("VM_httpAuth_password", "x")).warnings(),
                "without -envflag.enable the environment is not read");
    }
}

package io.tsgate.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TlsConfigTest {
    private static TlsConfig parse(String... args) throws ConfigException {
        return TlsConfig.from(FlagParser.parse(List.of(args), Map.of()));
    }

    @Test
    void aBadMinVersionIsAnErrorEvenWithoutTls() {
        ConfigException e = assertThrows(ConfigException.class, () -> parse("-tlsMinVersion=TLS11"));
        assertTrue(e.getMessage().startsWith("-tlsMinVersion: want TLS12 or TLS13"), e.getMessage());
    }

    @Test
    void anUnknownCipherSuiteIsAnErrorEvenWithoutTls() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> parse("-tlsCipherSuites=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_RSA_WITH_RC4_128_MD5"));
        assertTrue(e.getMessage().startsWith("-tlsCipherSuites: unsupported TLS cipher suite \"TLS_RSA_WITH_RC4_128_MD5\""),
                e.getMessage());
    }

    @Test
    void withoutTlsTheConfigIsAbsent() throws Exception {
        assertNull(parse("-tlsMinVersion=TLS13", "-tlsCipherSuites=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"));
    }

    /** Go matches suite names case-insensitively (lib/netutil/tls.go cipherSuitesFromNames, commit b7ef6cc3). */
    @Test
    void suitesAreMatchedCaseInsensitivelyAndTls13OnesAreNotConfigurable(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("c"), "x");
        Files.writeString(dir.resolve("k"), "x");
        TlsConfig tls = parse("-tls", "-tlsCertFile=" + dir.resolve("c"), "-tlsKeyFile=" + dir.resolve("k"),
                "-tlsCipherSuites=tls_ecdhe_rsa_with_aes_128_gcm_sha256,TLS_AES_128_GCM_SHA256");
        assertEquals(List.of("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"), tls.cipherSuites());
        assertEquals(java.time.Duration.ofSeconds(1), tls.checkInterval());
    }
}

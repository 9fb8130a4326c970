package io.tsgate.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tsgate.config.AuthKey;
import io.tsgate.config.ConfigException;
import io.tsgate.config.HttpServerConfig;
import io.tsgate.config.TlsConfig;
import io.tsgate.reload.ReloadMetrics;
import io.tsgate.policy.DecisionObserver;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The listeners' TLS from files: keys in every PEM spelling openssl writes, re-reading on change for new handshakes,
 * the last good certificate kept when the new files are broken or do not belong together, and the cipher suites.
 * Real handshakes against the HTTP listener (the gRPC one takes its engines from the same reading).
 */
class ServerTlsTest {
    @TempDir
    Path dir;
    private final PrometheusRegistry registry = new PrometheusRegistry();

    private TlsConfig config(Path[] pair, List<String> suites) {
        return new TlsConfig(pair[0], pair[1], "TLS12", null, suites, Duration.ofSeconds(1));
    }

    private AdminHttpServer server(ServerTls tls) throws IOException {
        DecisionObserver observer = new DecisionObserver(registry, 0, false);
        return new AdminHttpServer(new InetSocketAddress("127.0.0.1", 0), registry, () -> null, Map.of(),
                new ForwardAuthHandler(r -> {
                    throw new AssertionError("no forward-auth here");
                }, observer, Map.of(), false), tls.http(), HttpServerConfig.DEFAULTS, AuthKey.NONE);
    }

    /** The certificate a fresh handshake is shown (the client trusts anything: the server is under test). */
    static X509Certificate served(int port, String protocol, String suite) throws Exception {
        X509Certificate[] seen = new X509Certificate[1];
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] {new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
                seen[0] = chain[0];
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        }}, null);
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            if (protocol != null) {
                s.setEnabledProtocols(new String[] {protocol});
            }
            if (suite != null) {
                s.setEnabledCipherSuites(new String[] {suite});
            }
            s.startHandshake();
        }
        return seen[0];
    }

    private String metrics() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, registry.scrape());
        return out.toString(StandardCharsets.UTF_8);
    }

    private static String cn(X509Certificate c) {
        return c.getSubjectX500Principal().getName();
    }

    @ParameterizedTest
    @CsvSource({"ec, false, BEGIN PRIVATE KEY", "ec, true, BEGIN EC PRIVATE KEY", "rsa, false, BEGIN PRIVATE KEY",
            "rsa, true, BEGIN RSA PRIVATE KEY"})
    void servesKeysInEveryPemSpelling(String family, boolean traditional, String header) throws Exception {
        Path[] pair = new TestCertificates(dir).selfSigned("srv-" + family, family, traditional);
        assertTrue(Files.readString(pair[1]).contains(header), Files.readString(pair[1]));
        ServerTls tls = ServerTls.load(config(pair, List.of()), Clock.systemUTC(), new ReloadMetrics(registry));
        try (AdminHttpServer server = server(tls)) {
            assertEquals("CN=srv-" + family, cn(served(server.port(), null, null)));
        }
    }

    @Test
    void aChangedPairReachesNewHandshakesAndABrokenOneKeepsTheLastGood() throws Exception {
        TestCertificates certs = new TestCertificates(dir);
        Path[] a = certs.selfSigned("a", "ec", false);
        Path[] b = certs.selfSigned("b", "rsa", true);
        Path cert = dir.resolve("tls.crt");
        Path key = dir.resolve("tls.key");
        Files.copy(a[0], cert);
        Files.copy(a[1], key);
        ServerTls tls = ServerTls.load(config(new Path[] {cert, key}, List.of()), Clock.systemUTC(),
                new ReloadMetrics(registry));
        try (AdminHttpServer server = server(tls)) {
            assertTrue(tls.reload(), "unchanged files are in force");
            // Half-way through a rotation: b's certificate with a's key. Served, every handshake would fail.
            Files.copy(b[0], cert, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            assertFalse(tls.reload());
            assertEquals("CN=a", cn(served(server.port(), null, null)));
            assertTrue(metrics().contains("tsgate_config_last_reload_successful{config=\"tls\"} 0"), metrics());
            assertTrue(metrics().contains("tsgate_config_reload_errors_total{config=\"tls\"} 1.0"), metrics());
            assertFalse(tls.reload(), "still the same broken set: reported, not re-read");
            assertTrue(metrics().contains("tsgate_config_reload_errors_total{config=\"tls\"} 1.0"), metrics());

            Files.copy(b[1], key, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            assertTrue(tls.reload());
            assertEquals("CN=b", cn(served(server.port(), null, null)));
            assertTrue(metrics().contains("tsgate_config_last_reload_successful{config=\"tls\"} 1"), metrics());

            Files.writeString(key, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
            assertFalse(tls.reload());
            assertEquals("CN=b", cn(served(server.port(), null, null)));
        }
    }

    @Test
    void aKeyOfAnotherCertificateIsAStartUpError() throws Exception {
        TestCertificates certs = new TestCertificates(dir);
        Path[] a = certs.selfSigned("a", "ec", false);
        Path[] b = certs.selfSigned("b", "ec", false);
        ConfigException e = assertThrows(ConfigException.class, () -> ServerTls.load(
                config(new Path[] {a[0], b[1]}, List.of()), Clock.systemUTC(), new ReloadMetrics(registry)));
        assertTrue(e.getMessage().startsWith("-tlsKeyFile " + b[1] + " does not match"), e.getMessage());
    }

    @Test
    void tls12TakesOnlyTheListedCipherSuitesAndTls13StillWorks() throws Exception {
        Path[] pair = new TestCertificates(dir).selfSigned("s", "ec", false);
        ServerTls tls = ServerTls.load(config(pair, List.of("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384")),
                Clock.systemUTC(), new ReloadMetrics(registry));
        try (AdminHttpServer server = server(tls)) {
            assertEquals("CN=s", cn(served(server.port(), "TLSv1.2", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384")));
            assertThrows(SSLHandshakeException.class,
                    () -> served(server.port(), "TLSv1.2", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"));
            assertEquals("CN=s", cn(served(server.port(), "TLSv1.3", null)));
        }
    }
}

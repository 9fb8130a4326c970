package io.tsgate.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import javax.net.ssl.SSLContext;

/**
 * The listeners' TLS ({@code -tls}), validated; absent (null in {@link GatewayConfig}) when TLS is off.
 *
 * @param certFile      {@code -tlsCertFile}
 * @param keyFile       {@code -tlsKeyFile}
 * @param minVersion    {@code TLS12} or {@code TLS13}
 * @param clientCAFile  {@code -tlsCAFile}: CA that client certificates of the gRPC listener must chain to, or null
 * @param cipherSuites  {@code -tlsCipherSuites}: the TLS 1.2 suites allowed, in the JDK's spelling; empty: the JDK's
 *                      defaults. TLS 1.3 suites are not configurable (as in Go, which VictoriaMetrics uses)
 * @param checkInterval {@code -tlsFilesCheckInterval}: how often the files are checked for a change; zero: never
 */
public record TlsConfig(Path certFile, Path keyFile, String minVersion, Path clientCAFile, List<String> cipherSuites,
                        Duration checkInterval) {

    public TlsConfig {
        cipherSuites = List.copyOf(cipherSuites);
    }

    /**
     * Null when {@code -tls} is off (then {@code -tlsCAFile} must be unset). {@code -tlsMinVersion} and
     * {@code -tlsCipherSuites} are checked either way: a typo must not wait for the day TLS is turned on.
     */
    static TlsConfig from(FlagValues f) throws ConfigException {
        String min = f.string("tlsMinVersion");
        if (!min.equals("TLS12") && !min.equals("TLS13")) {
            throw new ConfigException("-tlsMinVersion: want TLS12 or TLS13, got \"" + min + "\"");
        }
        List<String> suites = cipherSuites(f.list("tlsCipherSuites"));
        Duration interval = f.duration("tlsFilesCheckInterval");
        Path clientCa = f.readableFile("tlsCAFile");
        if (!f.bool("tls")) {
            if (clientCa != null) {
                throw new ConfigException("-tlsCAFile needs -tls (client certificates are checked on the TLS gRPC listener)");
            }
            return null;
        }
        return new TlsConfig(readableFile(f, "tlsCertFile"), readableFile(f, "tlsKeyFile"), min, clientCa, suites,
                interval);
    }

    /** Names as IANA and Go spell them (case-insensitive), mapped to the JDK's; unknown or disabled ones are errors. */
    static List<String> cipherSuites(List<String> names) throws ConfigException {
        if (names.isEmpty()) {
            return List.of();
        }
        Map<String, String> known = new TreeMap<>();
        for (String s : jdkDefaultSuites()) {
            known.put(s.toUpperCase(Locale.ROOT), s);
        }
        List<String> out = new ArrayList<>();
        for (String name : names) {
            String suite = known.get(name.trim().toUpperCase(Locale.ROOT));
            if (suite == null) {
                throw new ConfigException("-tlsCipherSuites: unsupported TLS cipher suite \"" + name
                        + "\"; this JVM offers " + String.join(", ", known.values()));
            }
            if (!suite.startsWith("TLS_AES_") && !suite.startsWith("TLS_CHACHA20_")) {
                out.add(suite);
            }
        }
        return out;
    }

    private static String[] jdkDefaultSuites() throws ConfigException {
        try {
            return SSLContext.getDefault().getDefaultSSLParameters().getCipherSuites();
        } catch (NoSuchAlgorithmException e) {
            throw new ConfigException("-tlsCipherSuites: this JVM has no default TLS context: " + e.getMessage());
        }
    }

    private static Path readableFile(FlagValues f, String flag) throws ConfigException {
        String v = f.string(flag);
        if (v.isEmpty()) {
            throw new ConfigException("-tls needs -" + flag);
        }
        Path p = Path.of(v);
        if (!Files.isReadable(p)) {
            throw new ConfigException("-" + flag + ": cannot read " + p);
        }
        return p;
    }
}

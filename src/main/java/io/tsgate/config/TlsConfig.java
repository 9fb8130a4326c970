package io.tsgate.config;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The listeners' TLS ({@code -tls}), validated; absent (null in {@link GatewayConfig}) when TLS is off.
 *
 * @param certFile     {@code -tlsCertFile}
 * @param keyFile      {@code -tlsKeyFile}
 * @param minVersion   {@code TLS12} or {@code TLS13}
 * @param clientCAFile {@code -tlsCAFile}: CA that client certificates of the gRPC listener must chain to, or null
 */
public record TlsConfig(Path certFile, Path keyFile, String minVersion, Path clientCAFile) {

    /** Null when {@code -tls} is off (then {@code -tlsCAFile} must be unset). */
    static TlsConfig from(FlagValues f) throws ConfigException {
        Path clientCa = f.readableFile("tlsCAFile");
        if (!f.bool("tls")) {
            if (clientCa != null) {
                throw new ConfigException("-tlsCAFile needs -tls (client certificates are checked on the TLS gRPC listener)");
            }
            return null;
        }
        String min = f.string("tlsMinVersion");
        if (!min.equals("TLS12") && !min.equals("TLS13")) {
            throw new ConfigException("-tlsMinVersion: want TLS12 or TLS13, got \"" + min + "\"");
        }
        return new TlsConfig(readableFile(f, "tlsCertFile"), readableFile(f, "tlsKeyFile"), min, clientCa);
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

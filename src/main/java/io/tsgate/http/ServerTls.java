package io.tsgate.http;

import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import io.tsgate.config.ConfigException;
import io.tsgate.config.TlsConfig;
import java.util.List;
import javax.net.ssl.SSLException;

/** TLS contexts for both listeners from one PEM certificate and key ({@code -tls}). */
public final class ServerTls {
    private ServerTls() {
    }

    private static List<String> protocols(TlsConfig tls) {
        return tls.minVersion().equals("TLS13") ? List.of("TLSv1.3") : List.of("TLSv1.3", "TLSv1.2");
    }

    /**
     * Netty context for the gRPC listener; with a client CA ({@code -tlsCAFile}) a client must present a
     * certificate chaining to it, so that only the proxy holding such a certificate can call tsgate.
     */
    public static SslContext grpc(TlsConfig tls) throws ConfigException {
        java.nio.file.Path clientCa = tls.clientCAFile();
        try {
            SslContextBuilder b = SslContextBuilder.forServer(tls.certFile().toFile(), tls.keyFile().toFile());
            if (clientCa != null) {
                try {
                    b.trustManager(clientCa.toFile())
                            .clientAuth(io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth.REQUIRE);
                } catch (IllegalArgumentException e) {
                    throw new ConfigException("-tlsCAFile: cannot load " + clientCa + ": " + e.getMessage());
                }
            }
            return GrpcSslContexts.configure(b, SslProvider.JDK).protocols(protocols(tls)).build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new ConfigException("-tlsCertFile/-tlsKeyFile: cannot load " + tls.certFile() + " and " + tls.keyFile()
                    + ": " + e.getMessage());
        }
    }

    /**
     * Netty context for the HTTP listener, from the same certificate, key and protocol versions as the gRPC listener
     * (Lettuce's Netty, not gRPC's shaded copy: the two are different classes).
     */
    public static io.netty.handler.ssl.SslContext http(TlsConfig tls) throws ConfigException {
        try {
            return io.netty.handler.ssl.SslContextBuilder.forServer(tls.certFile().toFile(), tls.keyFile().toFile())
                    .sslProvider(io.netty.handler.ssl.SslProvider.JDK).protocols(protocols(tls)).build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new ConfigException("-tlsCertFile/-tlsKeyFile: cannot load " + tls.certFile() + " and " + tls.keyFile()
                    + ": " + e.getMessage());
        }
    }
}

package io.tsgate.http;

import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import io.grpc.netty.shaded.io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.tsgate.auth.PrivateKeyReader;
import io.tsgate.config.ConfigException;
import io.tsgate.config.TlsConfig;
import io.tsgate.reload.ReloadMetrics;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TLS for both listeners from one PEM certificate chain and key ({@code -tls}), re-read when the files change.
 * {@link #reload()} hashes {@code -tlsCertFile}, {@code -tlsKeyFile} and {@code -tlsCAFile}; a changed set is parsed,
 * checked (the key must sign what the certificate's public key verifies: a rotation caught between writing the
 * certificate and the key is refused, not served) and swapped in for new handshakes on both listeners. Open
 * connections keep the session they negotiated. An invalid set is logged and the last good one stays, with
 * {@code tsgate_config_last_reload_successful{config="tls"}} at 0 (vmgateway re-reads its certificate too).
 */
public final class ServerTls {
    private static final Logger LOG = LoggerFactory.getLogger(ServerTls.class);
    /** Go offers all three TLS 1.3 suites whatever {@code -tlsCipherSuites} says; so does tsgate. */
    private static final List<String> TLS13_SUITES = List.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256");

    private final TlsConfig tls;
    private final Clock clock;
    private final AtomicReference<Contexts> current = new AtomicReference<>();
    private volatile byte[] lastDigest;
    private ReloadMetrics.Tracker status;

    /** Both listeners' contexts, built from one reading of the files. */
    private record Contexts(SslContext grpc, io.netty.handler.ssl.SslContext http, String subject) {
    }

    private ServerTls(TlsConfig tls, Clock clock) {
        this.tls = tls;
        this.clock = clock;
    }

    /** Reads the files once; an unreadable or inconsistent set stops start-up with the flag at fault. */
    public static ServerTls load(TlsConfig tls, Clock clock, ReloadMetrics reloads) throws ConfigException {
        ServerTls s = new ServerTls(tls, clock);
        byte[] digest = s.digest();
        s.current.set(build(tls));
        s.lastDigest = digest;
        s.status = reloads.track("tls", clock.instant().getEpochSecond());
        return s;
    }

    /**
     * The gRPC listener's context: each new connection takes its engine from the contexts in force at accept time.
     * With a client CA ({@code -tlsCAFile}) a client must present a certificate chaining to it, so that only the
     * proxy holding such a certificate can call tsgate.
     */
    public SslContext grpc() {
        return new CurrentGrpcSslContext(() -> current.get().grpc());
    }

    /** The HTTP listener's context for the next connection (Lettuce's Netty, not gRPC's shaded copy). */
    public Supplier<io.netty.handler.ssl.SslContext> http() {
        return () -> current.get().http();
    }

    /**
     * Re-reads the files when their bytes changed; true when the contexts in force come from the files as they are
     * now (unchanged, or loaded), false when the new files are invalid (the previous contexts stay).
     */
    public synchronized boolean reload() {
        byte[] digest;
        try {
            digest = digest();
        } catch (ConfigException e) {
            return failed(null, e);
        }
        if (MessageDigest.isEqual(digest, lastDigest)) {
            return status.lastOk();
        }
        try {
            Contexts next = build(tls);
            current.set(next);
            lastDigest = digest;
            status.succeeded(clock.instant().getEpochSecond());
            LOG.info("reloaded TLS certificate {} from -tlsCertFile {}", next.subject(), tls.certFile());
            return true;
        } catch (ConfigException e) {
            return failed(digest, e);
        }
    }

    /** Remembers a broken set's digest so that it is reported once, not at every check, until the files change. */
    private boolean failed(byte[] digest, ConfigException e) {
        if (digest != null) {
            lastDigest = digest;
        }
        status.failed();
        LOG.warn("cannot reload TLS files; new handshakes keep certificate {}: {}", current.get().subject(),
                e.getMessage());
        return false;
    }

    private byte[] digest() throws ConfigException {
        MessageDigest sha = sha256();
        for (Path p : files()) {
            try {
                sha.update(Files.readAllBytes(p));
                sha.update((byte) 0);
            } catch (IOException e) {
                throw new ConfigException(flagOf(p) + ": cannot read " + p + ": " + e);
            }
        }
        return sha.digest();
    }

    private List<Path> files() {
        List<Path> files = new ArrayList<>(List.of(tls.certFile(), tls.keyFile()));
        if (tls.clientCAFile() != null) {
            files.add(tls.clientCAFile());
        }
        return files;
    }

    private String flagOf(Path p) {
        return p.equals(tls.certFile()) ? "-tlsCertFile" : p.equals(tls.keyFile()) ? "-tlsKeyFile" : "-tlsCAFile";
    }

    private static Contexts build(TlsConfig tls) throws ConfigException {
        X509Certificate[] chain = certificates(tls.certFile(), "-tlsCertFile");
        PrivateKey key;
        try {
            key = PrivateKeyReader.read(tls.keyFile());
        } catch (IOException | IllegalArgumentException e) {
            throw new ConfigException("-tlsKeyFile: " + e.getMessage());
        }
        requireMatch(key, chain[0], tls);
        X509Certificate[] cas = tls.clientCAFile() == null ? null : certificates(tls.clientCAFile(), "-tlsCAFile");
        try {
            return new Contexts(grpcContext(tls, key, chain, cas), httpContext(tls, key, chain),
                    chain[0].getSubjectX500Principal().getName() + " (serial " + chain[0].getSerialNumber() + ")");
        } catch (javax.net.ssl.SSLException | IllegalArgumentException e) {
            throw new ConfigException("-tlsCertFile/-tlsKeyFile: cannot use " + tls.certFile() + " and "
                    + tls.keyFile() + ": " + e.getMessage());
        }
    }

    private static SslContext grpcContext(TlsConfig tls, PrivateKey key, X509Certificate[] chain,
                                          X509Certificate[] cas) throws javax.net.ssl.SSLException {
        SslContextBuilder b = SslContextBuilder.forServer(key, chain);
        if (cas != null) {
            b.trustManager(cas).clientAuth(ClientAuth.REQUIRE);
        }
        b = GrpcSslContexts.configure(b, SslProvider.JDK).protocols(protocols(tls));
        if (!tls.cipherSuites().isEmpty()) {
            b.ciphers(suites(tls), SupportedCipherSuiteFilter.INSTANCE);
        }
        return b.build();
    }

    private static io.netty.handler.ssl.SslContext httpContext(TlsConfig tls, PrivateKey key, X509Certificate[] chain)
            throws javax.net.ssl.SSLException {
        io.netty.handler.ssl.SslContextBuilder b = io.netty.handler.ssl.SslContextBuilder.forServer(key, chain)
                .sslProvider(io.netty.handler.ssl.SslProvider.JDK).protocols(protocols(tls));
        if (!tls.cipherSuites().isEmpty()) {
            b.ciphers(suites(tls), io.netty.handler.ssl.SupportedCipherSuiteFilter.INSTANCE);
        }
        return b.build();
    }

    private static List<String> protocols(TlsConfig tls) {
        return tls.minVersion().equals("TLS13") ? List.of("TLSv1.3") : List.of("TLSv1.3", "TLSv1.2");
    }

    private static List<String> suites(TlsConfig tls) {
        List<String> all = new ArrayList<>(TLS13_SUITES);
        all.addAll(tls.cipherSuites());
        return all;
    }

    private static X509Certificate[] certificates(Path file, String flag) throws ConfigException {
        try {
            List<X509Certificate> certs = new ArrayList<>();
            for (var c : CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(Files.readAllBytes(file)))) {
                certs.add((X509Certificate) c);
            }
            if (certs.isEmpty()) {
                throw new ConfigException(flag + ": no PEM certificate in " + file);
            }
            return certs.toArray(X509Certificate[]::new);
        } catch (IOException | GeneralSecurityException e) {
            throw new ConfigException(flag + ": cannot read certificates from " + file + ": " + e.getMessage());
        }
    }

    /** The key must belong to the leaf certificate: a signature made with it verifies under the certificate's key. */
    private static void requireMatch(PrivateKey key, X509Certificate leaf, TlsConfig tls) throws ConfigException {
        String alg = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            default -> key.getAlgorithm();
        };
        byte[] probe = "tsgate key-certificate match".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        try {
            Signature s = Signature.getInstance(alg);
            s.initSign(key);
            s.update(probe);
            byte[] sig = s.sign();
            Signature v = Signature.getInstance(alg);
            v.initVerify(leaf.getPublicKey());
            v.update(probe);
            if (v.verify(sig)) {
                return;
            }
        } catch (GeneralSecurityException e) {
            // A key of another type than the certificate's fails here: reported as a mismatch below.
        }
        throw new ConfigException("-tlsKeyFile " + tls.keyFile() + " does not match the certificate in -tlsCertFile "
                + tls.certFile());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

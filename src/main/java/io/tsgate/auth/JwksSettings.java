package io.tsgate.auth;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Collection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * How JWKS and discovery endpoints are fetched.
 *
 * @param refreshInterval    keys are re-fetched this often
 * @param minRefreshInterval unknown-kid re-fetches happen at most this often; also the retry interval before the
 *                           first successful load
 * @param timeout            connect and read timeout of one HTTP fetch
 * @param socketFactory      TLS socket factory for https endpoints, or null for the JVM default
 */
public record JwksSettings(Duration refreshInterval, Duration minRefreshInterval, Duration timeout,
                           SSLSocketFactory socketFactory) {
    /** Bodies larger than this are refused: a JWK set is a few KiB. */
    static final int MAX_BODY_BYTES = 1024 * 1024;

    /** A socket factory trusting exactly the PEM certificates in {@code caFile}. */
    public static SSLSocketFactory trusting(Path caFile) {
        try (InputStream in = Files.newInputStream(caFile)) {
            Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
            if (certs.isEmpty()) {
                throw new IllegalArgumentException(caFile + ": no PEM certificate found");
            }
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int i = 0;
            for (Certificate c : certs) {
                store.setCertificateEntry("ca" + i++, c);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx.getSocketFactory();
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException(caFile + ": cannot read CA certificates (" + e.getMessage() + ")", e);
        }
    }
}

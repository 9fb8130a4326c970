package io.tsgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.tsgate.Gateway;
import io.tsgate.config.FlagParser;
import io.tsgate.config.GatewayConfig;
import io.tsgate.http.TestCertificates;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A certificate and key rotated on disk under load: clients keep opening TLS connections to both listeners (HTTP
 * {@code /health}, gRPC health) while a long-lived connection on each keeps sending requests. The files are rewritten
 * in place, certificate first and key second, as a careless rotation script would; new handshakes then see the new
 * certificate, and not one request fails on any connection — neither in the window where the certificate is new and
 * the key old, nor on the connections opened before the rotation.
 */
class TlsRotationIT {
    @TempDir
    Path dir;

    private final Queue<String> failures = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean running = new AtomicBoolean(true);

    /** A trust manager that accepts any server and remembers the leaf it was shown (the server is under test). */
    private static final class Recorder implements X509TrustManager {
        final AtomicReference<String> leaf = new AtomicReference<>();

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
            leaf.set(chain[0].getSubjectX500Principal().getName());
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }

    /** One load loop: counts successes, records the certificate its last new connection saw. */
    private final class Load {
        final AtomicInteger ok = new AtomicInteger();
        final AtomicReference<String> lastLeaf = new AtomicReference<>("");
        final Thread thread;

        Load(String name, Step step) {
            thread = new Thread(() -> {
                while (running.get()) {
                    try {
                        step.run(this);
                        ok.incrementAndGet();
                    } catch (Exception | AssertionError e) {
                        failures.add(name + ": " + e);
                    }
                }
            }, name);
            thread.setDaemon(true);
            thread.start();
        }
    }

    private interface Step {
        void run(Load load) throws Exception;
    }

    private static SSLSocket httpsSocket(int port, Recorder recorder) throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] {recorder}, null);
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port);
        s.setSoTimeout(10_000);
        s.startHandshake();
        return s;
    }

    private static void health(Socket s, BufferedReader in, boolean close) throws Exception {
        OutputStream out = s.getOutputStream();
        out.write(("GET /health HTTP/1.1\r\nHost: tsgate\r\n" + (close ? "Connection: close\r\n" : "") + "\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        String status = in.readLine();
        if (status == null || !status.startsWith("HTTP/1.1 200")) {
            throw new AssertionError("status " + status);
        }
        int length = 0;
        for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
            if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        for (int i = 0; i < length; i++) {
            in.read();
        }
    }

    private static ManagedChannel grpcChannel(int port, Recorder recorder) throws Exception {
        return NettyChannelBuilder.forAddress("127.0.0.1", port)
                .sslContext(GrpcSslContexts.forClient().trustManager(recorder).build()).build();
    }

    private static void grpcHealth(ManagedChannel channel) {
        HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                .check(HealthCheckRequest.getDefaultInstance());
    }

    @Test
    void rotatedCertificateReachesNewHandshakesWithNoFailedRequest() throws Exception {
        TestCertificates certs = new TestCertificates(dir);
        Path[] a = certs.selfSigned("old", "ec", false);
        Path[] b = certs.selfSigned("new", "rsa", true);
        Path cert = dir.resolve("tls.crt");
        Path key = dir.resolve("tls.key");
        Files.copy(a[0], cert);
        Files.copy(a[1], key);
        Files.writeString(dir.resolve("hmac.secret"), "0123456789abcdef0123456789abcdef0123456789abcdef");
        List<String> args = List.of("-grpcListenAddr=127.0.0.1:0", "-httpListenAddr=127.0.0.1:0",
                "-auth.hmacSecretFiles=" + dir.resolve("hmac.secret"), "-tls", "-tlsCertFile=" + cert,
                "-tlsKeyFile=" + key, "-tlsFilesCheckInterval=50ms");
        try (Gateway g = Gateway.start(GatewayConfig.from(FlagParser.parse(args, Map.of())), Clock.systemUTC())) {
            List<Load> loads = new ArrayList<>();
            Load httpNew = new Load("http-new-connections", l -> {
                Recorder r = new Recorder();
                try (SSLSocket s = httpsSocket(g.httpPort(), r)) {
                    health(s, new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)),
                            true);
                }
                l.lastLeaf.set(r.leaf.get());
            });
            Load grpcNew = new Load("grpc-new-connections", l -> {
                Recorder r = new Recorder();
                ManagedChannel ch = grpcChannel(g.grpcPort(), r);
                try {
                    grpcHealth(ch);
                } finally {
                    ch.shutdownNow();
                }
                l.lastLeaf.set(r.leaf.get());
            });
            Recorder httpKeptRecorder = new Recorder();
            SSLSocket kept = httpsSocket(g.httpPort(), httpKeptRecorder);
            BufferedReader keptIn = new BufferedReader(new InputStreamReader(kept.getInputStream(),
                    StandardCharsets.US_ASCII));
            Load httpKept = new Load("http-kept-connection", l -> health(kept, keptIn, false));
            Recorder grpcKeptRecorder = new Recorder();
            ManagedChannel grpcKept = grpcChannel(g.grpcPort(), grpcKeptRecorder);
            Load grpcKeptLoad = new Load("grpc-kept-connection", l -> grpcHealth(grpcKept));
            loads.addAll(List.of(httpNew, grpcNew, httpKept, grpcKeptLoad));
            try {
                for (Load l : List.of(httpNew, grpcNew)) {
                    Await.until(l.thread.getName() + " served the old certificate", Duration.ofSeconds(30),
                            l.lastLeaf::get, "CN=old"::equals);
                }
                // In place, certificate first: for a while the files hold the new certificate and the old key.
                Files.write(cert, Files.readAllBytes(b[0]));
                Files.write(key, Files.readAllBytes(b[1]));
                for (Load l : List.of(httpNew, grpcNew)) {
                    Await.until(l.thread.getName() + " served the new certificate", Duration.ofSeconds(30),
                            l.lastLeaf::get, "CN=new"::equals);
                }
                int[] flipped = loads.stream().mapToInt(l -> l.ok.get()).toArray();
                for (int i = 0; i < loads.size(); i++) {
                    int index = i;
                    Await.until(loads.get(i).thread.getName() + " kept serving after the rotation",
                            Duration.ofSeconds(30), () -> loads.get(index).ok.get(), n -> n >= flipped[index] + 20);
                }
            } finally {
                running.set(false);
                for (Load l : loads) {
                    l.thread.join(15_000);
                }
                kept.close();
                grpcKept.shutdownNow();
            }
            assertEquals(List.of(), new ArrayList<>(failures));
            assertEquals("CN=old", httpKeptRecorder.leaf.get(), "the kept HTTP connection was never re-handshaken");
            assertEquals("CN=old", grpcKeptRecorder.leaf.get(), "the kept gRPC connection was never re-handshaken");
        }
    }
}

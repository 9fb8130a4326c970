package io.tsgate.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.grpc.protobuf.services.HealthStatusManager;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tsgate.config.TlsConfig;
import io.tsgate.reload.ReloadMetrics;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code -tlsCAFile} is re-read like the certificate: after the CA file changes, the gRPC listener takes clients of
 * the new CA and refuses those of the old one on new connections, without a restart.
 */
class ClientCaReloadTest {
    @TempDir
    Path dir;

    private static HealthCheckResponse.ServingStatus health(int port, Path[] client) throws Exception {
        ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", port)
                .sslContext(GrpcSslContexts.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE)
                        .keyManager(client[0].toFile(), client[1].toFile()).build()).build();
        try {
            return HealthGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .check(HealthCheckRequest.getDefaultInstance()).getStatus();
        } finally {
            ch.shutdownNow();
        }
    }

    @Test
    void aChangedClientCaReachesNewGrpcHandshakes() throws Exception {
        TestCertificates certs = new TestCertificates(dir);
        Path[] server = certs.selfSigned("server", "ec", false);
        // Self-signed client certificates are their own CA.
        Path[] envoyA = certs.selfSigned("envoy-a", "ec", false);
        Path[] envoyB = certs.selfSigned("envoy-b", "ec", false);
        Path ca = dir.resolve("ca.crt");
        Files.copy(envoyA[0], ca);
        ServerTls tls = ServerTls.load(new TlsConfig(server[0], server[1], "TLS12", ca, List.of(),
                Duration.ofSeconds(1)), Clock.systemUTC(), new ReloadMetrics(new PrometheusRegistry()));
        Server grpc = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).sslContext(tls.grpc())
                .addService(new HealthStatusManager().getHealthService()).build().start();
        try {
            assertEquals(HealthCheckResponse.ServingStatus.SERVING, health(grpc.getPort(), envoyA));
            assertThrows(StatusRuntimeException.class, () -> health(grpc.getPort(), envoyB));

            Files.copy(envoyB[0], ca, StandardCopyOption.REPLACE_EXISTING);
            assertTrue(tls.reload());
            assertEquals(HealthCheckResponse.ServingStatus.SERVING, health(grpc.getPort(), envoyB));
            assertThrows(StatusRuntimeException.class, () -> health(grpc.getPort(), envoyA));
        } finally {
            grpc.shutdownNow();
        }
    }
}

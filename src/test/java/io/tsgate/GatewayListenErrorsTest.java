package io.tsgate;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tsgate.config.FlagParser;
import io.tsgate.config.GatewayConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A listen address that is taken names its flag, the address and the cause; nothing is left listening or running
 * after the failed start (the other listener's port is free again).
 */
class GatewayListenErrorsTest {
    @TempDir
    Path dir;

    private Gateway start(String grpc, String http) throws Exception {
        Files.writeString(dir.resolve("hmac.secret"), "0123456789abcdef0123456789abcdef0123456789abcdef");
        return Gateway.start(GatewayConfig.from(FlagParser.parse(List.of("-grpcListenAddr=" + grpc,
                "-httpListenAddr=" + http, "-auth.hmacSecretFiles=" + dir.resolve("hmac.secret")), Map.of())),
                Clock.systemUTC());
    }

    private static ServerSocket taken() throws IOException {
        return new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    }

    @Test
    void aTakenGrpcPortNamesGrpcListenAddr() throws Exception {
        try (ServerSocket busy = taken()) {
            String addr = "127.0.0.1:" + busy.getLocalPort();
            IOException e = assertThrows(IOException.class, () -> start(addr, "127.0.0.1:0"));
            assertTrue(e.getMessage().startsWith("-grpcListenAddr=" + addr + " (/" + addr + "): "), e.getMessage());
            assertTrue(e.getMessage().toLowerCase(java.util.Locale.ROOT).contains("address already in use"),
                    e.getMessage());
        }
    }

    @Test
    void aTakenHttpPortNamesHttpListenAddrAndReleasesTheGrpcPort() throws Exception {
        int grpcPort;
        try (ServerSocket probe = taken()) {
            grpcPort = probe.getLocalPort();
        }
        try (ServerSocket busy = taken()) {
            String addr = "127.0.0.1:" + busy.getLocalPort();
            IOException e = assertThrows(IOException.class, () -> start("127.0.0.1:" + grpcPort, addr));
            assertTrue(e.getMessage().startsWith("-httpListenAddr=" + addr + " (/" + addr + "): "), e.getMessage());
            assertTrue(e.getMessage().toLowerCase(java.util.Locale.ROOT).contains("address already in use"),
                    e.getMessage());
        }
        // The gRPC listener bound before the HTTP one failed; it must not outlive the failed start.
        try (Gateway g = start("127.0.0.1:" + grpcPort, "127.0.0.1:0")) {
            assertTrue(g.grpcPort() == grpcPort);
        }
    }
}

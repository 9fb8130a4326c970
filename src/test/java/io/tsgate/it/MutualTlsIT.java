package io.tsgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.tsgate.Gateway;
import io.tsgate.config.ConfigException;
import io.tsgate.config.FlagParser;
import io.tsgate.config.GatewayConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code -tlsCAFile}: the gRPC listener takes only clients whose certificate chains to the CA — real TLS handshakes
 * with certificates made by openssl: the proxy's certificate is accepted, no certificate and a certificate from
 * another CA are refused.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MutualTlsIT {
    private Path dir;

    private void openssl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(DebianPackages.ensureInstalled("/usr/bin/openssl", "openssl")
                .toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + "\n" + out);
    }

    /** A CA, and a P-256 key with a certificate signed by that CA. */
    private void ca(String name) throws Exception {
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1",
                "-subj", "/CN=" + name, "-keyout", name + ".key", "-out", name + ".crt");
    }

    private void signed(String name, String ca, String san) throws Exception {
        openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=" + name,
                "-keyout", name + ".key", "-out", name + ".csr");
        Files.writeString(dir.resolve(name + ".ext"), "subjectAltName=" + san + "\n");
        openssl("x509", "-req", "-in", name + ".csr", "-CA", ca + ".crt", "-CAkey", ca + ".key", "-CAcreateserial",
                "-days", "1", "-extfile", name + ".ext", "-out", name + ".crt");
    }

    @BeforeAll
    void certificates(@TempDir Path dir) throws Exception {
        this.dir = dir;
        ca("proxy-ca");
        ca("other-ca");
        signed("server", "proxy-ca", "IP:127.0.0.1,DNS:localhost");
        signed("envoy", "proxy-ca", "DNS:envoy");
        signed("intruder", "other-ca", "DNS:intruder");
        Files.writeString(dir.resolve("hmac.secret"), "0123456789abcdef0123456789abcdef0123456789abcdef");
    }

    private Gateway start(String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("-grpcListenAddr=127.0.0.1:0", "-httpListenAddr=127.0.0.1:0",
                "-auth.hmacSecretFiles=" + dir.resolve("hmac.secret"), "-tls",
                "-tlsCertFile=" + dir.resolve("server.crt"), "-tlsKeyFile=" + dir.resolve("server.key")));
        args.addAll(List.of(extra));
        return Gateway.start(GatewayConfig.from(FlagParser.parse(args, Map.of())), Clock.systemUTC());
    }

    private CheckResponse check(Gateway g, String clientName) throws Exception {
        SslContextBuilder ssl = GrpcSslContexts.forClient().trustManager(dir.resolve("proxy-ca.crt").toFile());
        if (clientName != null) {
            ssl.keyManager(dir.resolve(clientName + ".crt").toFile(), dir.resolve(clientName + ".key").toFile());
        }
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", g.grpcPort()).sslContext(ssl.build()).build();
        try {
            return AuthorizationGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .check(CheckRequest.newBuilder().setAttributes(AttributeContext.newBuilder().setRequest(
                            AttributeContext.Request.newBuilder().setHttp(AttributeContext.HttpRequest.newBuilder()
                                    .setMethod("GET").setPath("/api/v1/query?query=up")))).build());
        } finally {
            channel.shutdownNow();
        }
    }

    @Test
    void onlyClientsWithACertificateFromTheCaAreServed() throws Exception {
        try (Gateway g = start("-tlsCAFile=" + dir.resolve("proxy-ca.crt"))) {
            CheckResponse ok = check(g, "envoy");
            assertEquals(401, ok.getDeniedResponse().getStatus().getCodeValue(),
                    "the proxy's call is answered (and denied only for lacking a token)");
            StatusRuntimeException none = assertThrows(StatusRuntimeException.class, () -> check(g, null));
            assertEquals(io.grpc.Status.Code.UNAVAILABLE, none.getStatus().getCode(), none.toString());
            StatusRuntimeException other = assertThrows(StatusRuntimeException.class, () -> check(g, "intruder"));
            assertEquals(io.grpc.Status.Code.UNAVAILABLE, other.getStatus().getCode(), other.toString());
        }
    }

    @Test
    void withoutTlsCaFileAClientWithoutCertificateIsServed() throws Exception {
        try (Gateway g = start()) {
            assertEquals(401, check(g, null).getDeniedResponse().getStatus().getCodeValue());
        }
    }

    @Test
    void tlsCaFileWithoutTlsIsAStartUpError() {
        ConfigException e = assertThrows(ConfigException.class, () -> GatewayConfig.from(FlagParser.parse(List.of(
                "-auth.hmacSecretFiles=" + dir.resolve("hmac.secret"), "-tlsCAFile=" + dir.resolve("proxy-ca.crt")),
                Map.of())));
        assertTrue(e.getMessage().contains("-tlsCAFile needs -tls"), e.getMessage());
    }
}

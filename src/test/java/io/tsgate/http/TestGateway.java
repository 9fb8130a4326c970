package io.tsgate.http;

import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.tsgate.Gateway;
import io.tsgate.auth.TokenMinter;
import io.tsgate.config.FlagParser;
import io.tsgate.config.GatewayConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The whole gateway on loopback ports, with an HMAC key and a valid token for tenant 3:0: both listeners as a proxy
 * meets them. Only flags that exist since forward-auth existed, unless a test adds more.
 */
final class TestGateway implements AutoCloseable {
    private final Gateway gateway;
    private final ManagedChannel channel;
    private final String token;

    private TestGateway(Gateway gateway, String token) {
        this.gateway = gateway;
        this.token = token;
        this.channel = ManagedChannelBuilder.forAddress("127.0.0.1", gateway.grpcPort()).usePlaintext().build();
    }

    static TestGateway start(Path dir, String... extraFlags) throws Exception {
        byte[] secret = "0123456789abcdef0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
        Path file = dir.resolve("hmac.secret");
        Files.write(file, secret);
        List<String> args = new ArrayList<>(List.of("-grpcListenAddr=127.0.0.1:0", "-httpListenAddr=127.0.0.1:0",
                "-auth.hmacSecretFiles=" + file));
        args.addAll(List.of(extraFlags));
        Gateway g = Gateway.start(GatewayConfig.from(FlagParser.parse(args, Map.of())), Clock.systemUTC());
        String token = TokenMinter.mint("HS256", "hmac", secret, Map.of(
                "exp", Instant.now().plusSeconds(3600).getEpochSecond(),
                "vm_access", Map.of("tenant_id", Map.of("account_id", 3, "project_id", 0))));
        return new TestGateway(g, token);
    }

    int httpPort() {
        return gateway.httpPort();
    }

    String token() {
        return token;
    }

    /** A Check Envoy would send for {@code GET /api/v1/query?query=up} with the valid token. */
    CheckResponse validCheck() {
        AttributeContext.HttpRequest.Builder req = AttributeContext.HttpRequest.newBuilder()
                .setMethod("GET").setPath("/api/v1/query?query=up").setHost("vm").setProtocol("HTTP/1.1")
                .putHeaders("authorization", "Bearer " + token);
        return AuthorizationGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
                .check(CheckRequest.newBuilder().setAttributes(AttributeContext.newBuilder()
                        .setRequest(AttributeContext.Request.newBuilder().setHttp(req))).build());
    }

    @Override
    public void close() {
        channel.shutdownNow();
        gateway.close();
    }
}

package io.tsgate.bench;

import com.google.protobuf.Timestamp;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Writes the request body h2load posts to {@code /envoy.service.auth.v3.Authorization/Check}: one gRPC
 * length-prefixed message (flag byte 0, 4-byte big-endian length, the {@link CheckRequest}) shaped like what Envoy
 * sends for a Grafana query. With a port it also makes one real Check call and exits non-zero unless the answer is
 * gRPC OK with {@code status OK} and an {@code ok_response}: h2load only sees HTTP 200, which a denial also is.
 *
 * <p>Usage: {@code CheckRequestFile OUT_FILE TOKEN_FILE [PORT]}. The token is read from a file so it never appears
 * in a process list, and it is never printed.
 */
public final class CheckRequestFile {

    private CheckRequestFile() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2 || args.length > 3) {
            System.err.println("usage: CheckRequestFile OUT_FILE TOKEN_FILE [PORT]");
            System.exit(2);
        }
        CheckRequest request = request(Files.readString(Path.of(args[1])).trim());
        byte[] message = request.toByteArray();
        ByteBuffer frame = ByteBuffer.allocate(5 + message.length);
        frame.put((byte) 0).putInt(message.length).put(message);
        Files.write(Path.of(args[0]), frame.array());
        if (args.length == 3 && !allowed(Integer.parseInt(args[2]), request)) {
            System.exit(1);
        }
    }

    static CheckRequest request(String token) {
        Instant now = Instant.now();
        String path = "/api/v1/query?query=up";
        AttributeContext.HttpRequest http = AttributeContext.HttpRequest.newBuilder()
                .setId("8394958725263521235")
                .setMethod("GET")
                .putAllHeaders(Map.of(
                        ":authority", "vm.example.internal:8427",
                        ":method", "GET",
                        ":path", path,
                        ":scheme", "http",
                        "authorization", "Bearer " + token,
                        "user-agent", "Grafana/10.4.2",
                        "accept", "application/json, text/plain, */*",
                        "accept-encoding", "gzip, deflate",
                        "x-forwarded-proto", "http",
                        "x-request-id", "3f1c8a52-9d0e-4a8e-bb7c-5d2f6a9e0c41"))
                .setPath(path)
                .setHost("vm.example.internal:8427")
                .setScheme("http")
                .setProtocol("HTTP/1.1")
                .build();
        return CheckRequest.newBuilder()
                .setAttributes(AttributeContext.newBuilder()
                        .setSource(peer("10.20.30.40", 51234))
                        .setDestination(peer("10.20.30.1", 8427))
                        .setRequest(AttributeContext.Request.newBuilder()
                                .setTime(Timestamp.newBuilder().setSeconds(now.getEpochSecond()))
                                .setHttp(http)))
                .build();
    }

    private static AttributeContext.Peer peer(String ip, int port) {
        return AttributeContext.Peer.newBuilder()
                .setAddress(Address.newBuilder().setSocketAddress(
                        SocketAddress.newBuilder().setAddress(ip).setPortValue(port)))
                .build();
    }

    private static boolean allowed(int port, CheckRequest request) throws InterruptedException {
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        try {
            CheckResponse response = AuthorizationGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(10, TimeUnit.SECONDS)
                    .check(request);
            if (response.getStatus().getCode() != io.grpc.Status.Code.OK.value() || !response.hasOkResponse()) {
                System.err.println("Check on port " + port + " did not allow the benchmark request: status "
                        + response.getStatus().getCode() + " " + response.getStatus().getMessage()
                        + (response.hasDeniedResponse() ? ", denied with HTTP " + response.getDeniedResponse()
                        .getStatus().getCodeValue() + ": " + response.getDeniedResponse().getBody() : ""));
                return false;
            }
            StringBuilder rewritten = new StringBuilder();
            for (HeaderValueOption h : response.getOkResponse().getHeadersList()) {
                rewritten.append(' ').append(h.getHeader().getKey()).append('=').append(h.getHeader().getValue());
            }
            System.out.println("Check on port " + port + ": OK" + (rewritten.length() == 0 ? "" : ";" + rewritten));
            return true;
        } catch (io.grpc.StatusRuntimeException e) {
            System.err.println("Check on port " + port + " failed: " + e.getStatus());
            return false;
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}

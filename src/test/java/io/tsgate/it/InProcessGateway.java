package io.tsgate.it;

import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.tsgate.Gateway;
import io.tsgate.config.FlagParser;
import io.tsgate.config.GatewayConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@link Gateway} started in the test JVM from flags, on loopback ports, with a plaintext gRPC channel and an HTTP
 * client for /ready and /metrics. Faster than {@link GatewayJarIT}'s process and enough where the jar is not the
 * point.
 */
final class InProcessGateway implements AutoCloseable {
    private final Gateway gateway;
    private final ManagedChannel channel;
    private final HttpClient http = HttpClient.newHttpClient();

    private InProcessGateway(Gateway gateway, ManagedChannel channel) {
        this.gateway = gateway;
        this.channel = channel;
    }

    static InProcessGateway start(String... flags) throws Exception {
        return start(Clock.systemUTC(), flags);
    }

    /** Started with {@code clock} for token expiry and limit windows (a test's {@code MutableClock}). */
    static InProcessGateway start(Clock clock, String... flags) throws Exception {
        List<String> args = new ArrayList<>(List.of("-grpcListenAddr=127.0.0.1:0", "-httpListenAddr=127.0.0.1:0"));
        args.addAll(List.of(flags));
        Gateway g = Gateway.start(GatewayConfig.from(FlagParser.parse(args, Map.of())), clock);
        return new InProcessGateway(g, ManagedChannelBuilder.forAddress("127.0.0.1", g.grpcPort()).usePlaintext().build());
    }

    /** The plaintext channel to the gateway's gRPC port: ext_authz and ext_proc both. */
    ManagedChannel channel() {
        return channel;
    }

    int httpPort() {
        return gateway.httpPort();
    }

    int grpcPort() {
        return gateway.grpcPort();
    }

    /** Check of {@code GET path} with the given request headers. */
    CheckResponse check(String path, Map<String, String> headers) {
        return check("GET", path, headers);
    }

    CheckResponse check(String method, String path, Map<String, String> headers) {
        AttributeContext.HttpRequest.Builder req = AttributeContext.HttpRequest.newBuilder()
                .setMethod(method).setPath(path).setHost("vm").setProtocol("HTTP/1.1");
        headers.forEach(req::putHeaders);
        return AuthorizationGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                .check(CheckRequest.newBuilder().setAttributes(AttributeContext.newBuilder()
                        .setRequest(AttributeContext.Request.newBuilder().setHttp(req))).build());
    }

    /** HTTP status Envoy would answer with: 200 when allowed, else the denial's status. */
    int status(String path, Map<String, String> headers) {
        return status("GET", path, headers);
    }

    int status(String method, String path, Map<String, String> headers) {
        CheckResponse r = check(method, path, headers);
        return r.getStatus().getCode() == 0 ? 200 : r.getDeniedResponse().getStatus().getCodeValue();
    }

    int bearerStatus(String token) {
        return status("/api/v1/query?query=up", Map.of("authorization", "Bearer " + token));
    }

    HttpResponse<String> get(String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.httpPort() + path)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException("GET " + path + ": " + e, e);
        }
    }

    int readyStatus() {
        return get("/ready").statusCode();
    }

    /** Sum of the samples of {@code metric} whose label text contains {@code labelPart} (empty: all). */
    double metric(String metric, String labelPart) {
        String body = get("/metrics").body();
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(metric) + "(\\{[^}]*})? (\\S+)$").matcher(body);
        double sum = 0;
        while (m.find()) {
            if (labelPart.isEmpty() || (m.group(1) != null && m.group(1).contains(labelPart))) {
                sum += Double.parseDouble(m.group(2));
            }
        }
        return sum;
    }

    @Override
    public void close() {
        channel.shutdownNow();
        gateway.close();
    }
}

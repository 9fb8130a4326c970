package io.tsgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.tsgate.Gateway;
import io.tsgate.config.FlagParser;
import io.tsgate.config.GatewayConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The limit file reloads on SIGHUP (sent to this JVM) and on its check interval; an invalid file keeps the old one. */
class RateLimitReloadIT {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2030-01-01T00:00:05Z"), ZoneOffset.UTC);
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    private Gateway gateway(Object file, String checkInterval) throws Exception {
        return Gateway.start(GatewayConfig.from(FlagParser.parse(List.of("-grpcListenAddr=127.0.0.1:0",
                "-httpListenAddr=127.0.0.1:0", "-enable.auth=false", "-enable.rateLimit", "-ratelimit.config=" + file,
                "-ratelimit.configCheckInterval=" + checkInterval), Map.of())), CLOCK);
    }

    private static int query(AuthorizationGrpc.AuthorizationBlockingStub stub) {
        String path = "/api/v1/series?match[]=up";
        AttributeContext.HttpRequest http = AttributeContext.HttpRequest.newBuilder().setMethod("GET").setPath(path)
                .putHeaders(":path", path).putHeaders(":method", "GET").build();
        var r = stub.withDeadlineAfter(Duration.ofSeconds(5)).check(CheckRequest.newBuilder().setAttributes(
                AttributeContext.newBuilder().setRequest(AttributeContext.Request.newBuilder().setHttp(http))).build());
        return r.hasDeniedResponse() ? r.getDeniedResponse().getStatus().getCodeValue() : 200;
    }

    /** The value of tsgate_config_last_reload_successful{config="ratelimit"}, or -1. */
    private static double reloadGauge(Gateway g) {
        try {
            String m = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + g.httpPort() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            return m.lines().filter(l -> l.startsWith("tsgate_config_last_reload_successful{config=\"ratelimit\"}"))
                    .map(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).findFirst().orElse(-1.0);
        } catch (Exception e) {
            return -1;
        }
    }

    private static void hangup() throws Exception {
        assertTrue(io.tsgate.HangupSignal.active(), "this JVM ignores SIGHUP (was the build started under nohup?): "
                + "run mvn in a shell where SIGHUP is not ignored");
        Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(ProcessHandle.current().pid())).start();
        assertEquals(0, kill.waitFor());
    }

    @Test
    void sighupReloadsAndAnInvalidFileKeepsTheOldLimits() throws Exception {
        Path file = dir.resolve("limits.yaml");
        Files.writeString(file, "limits: [{type: queries, value: 1, resolution: minute}]");
        try (Gateway g = gateway(file, "0")) {
            ManagedChannel ch = ManagedChannelBuilder.forAddress("127.0.0.1", g.grpcPort()).usePlaintext().build();
            try {
                var stub = AuthorizationGrpc.newBlockingStub(ch);
                assertEquals(200, query(stub));
                assertEquals(429, query(stub));

                Files.writeString(file, "limits: [{type: queries, value: 100, resolution: minute, tenant: 0}]");
                hangup();
                Await.until("the failed reload is exported", Duration.ofSeconds(10), () -> reloadGauge(g),
                        v -> v == 0);
                assertEquals(429, query(stub), "the invalid file left the old limit of 1 in force");

                Files.writeString(file, "limits: [{type: queries, value: 3, resolution: minute}]");
                hangup();
                Await.until("the reload succeeded", Duration.ofSeconds(10), () -> reloadGauge(g), v -> v == 1);
                // The window's count (1 allowed) carries over: 2 more fit under the new limit of 3.
                assertEquals(200, query(stub));
                assertEquals(200, query(stub));
                assertEquals(429, query(stub));
            } finally {
                ch.shutdownNow();
            }
        }
    }

    @Test
    void checkIntervalPicksUpAChangedFile() throws Exception {
        Path file = dir.resolve("limits.yaml");
        Files.writeString(file, "limits: [{type: queries, value: 0, resolution: minute}]");
        try (Gateway g = gateway(file, "100ms")) {
            ManagedChannel ch = ManagedChannelBuilder.forAddress("127.0.0.1", g.grpcPort()).usePlaintext().build();
            try {
                var stub = AuthorizationGrpc.newBlockingStub(ch);
                assertEquals(429, query(stub));
                Files.writeString(file, "limits: []");
                Await.until("the new file is in force", Duration.ofSeconds(10), () -> query(stub), s -> s == 200);
            } finally {
                ch.shutdownNow();
            }
        }
    }

    @Test
    void limitFileFromAUrlReloadsAndKeepsTheOldLimitsWhenTheUrlFails() throws Exception {
        try (NginxServer nginx = NginxServer.start(port -> "server { listen 127.0.0.1:" + port
                + "; location / { root {root}; } }")) {
            Path served = nginx.root().resolve("limits.yaml");
            Files.writeString(served, "limits: [{type: queries, value: 0, resolution: minute}]");
            try (Gateway g = gateway(nginx.baseUri().resolve("/limits.yaml"), "100ms")) {
                ManagedChannel ch = ManagedChannelBuilder.forAddress("127.0.0.1", g.grpcPort()).usePlaintext().build();
                try {
                    var stub = AuthorizationGrpc.newBlockingStub(ch);
                    assertEquals(429, query(stub));
                    Files.delete(served);
                    Await.until("the 404 is a failed reload", Duration.ofSeconds(10), () -> reloadGauge(g), v -> v == 0);
                    assertEquals(429, query(stub), "the old limits stay while the URL answers 404");
                    Files.writeString(served, "limits: []");
                    Await.until("the file served again is in force", Duration.ofSeconds(10), () -> query(stub),
                            st -> st == 200);
                    assertEquals(1.0, reloadGauge(g));
                } finally {
                    ch.shutdownNow();
                }
            }
        }
    }
}

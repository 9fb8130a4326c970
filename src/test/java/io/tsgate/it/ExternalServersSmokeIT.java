package io.tsgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/** The nginx and Redis harnesses start real servers that answer, and Redis really loses data on restart. */
class ExternalServersSmokeIT {

    @Test
    void nginxServesFilesSwappedUnderItsRoot() throws Exception {
        try (NginxServer nginx = NginxServer.start(port -> "server { listen 127.0.0.1:" + port
                + "; location / { root {root}; } }")) {
            HttpClient http = HttpClient.newHttpClient();
            Files.writeString(nginx.root().resolve("a.json"), "{\"v\":1}");
            HttpRequest get = HttpRequest.newBuilder(nginx.baseUri().resolve("/a.json")).build();
            assertEquals("{\"v\":1}", http.send(get, HttpResponse.BodyHandlers.ofString()).body());
            Files.writeString(nginx.root().resolve("a.json"), "{\"v\":2}");
            assertEquals("{\"v\":2}", http.send(get, HttpResponse.BodyHandlers.ofString()).body());
            Files.delete(nginx.root().resolve("a.json"));
            assertEquals(404, http.send(get, HttpResponse.BodyHandlers.ofString()).statusCode());
        }
    }

    @Test
    void redisLosesItsDataOnRestart() throws Exception {
        try (RedisServer redis = RedisServer.start()) {
            assertEquals(":1", redis.command("INCR smoke"));
            assertEquals(":2", redis.command("INCR smoke"));
            redis.restart();
            assertEquals(":1", redis.command("INCR smoke"));
        }
    }
}

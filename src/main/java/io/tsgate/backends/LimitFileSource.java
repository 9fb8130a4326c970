package io.tsgate.backends;

import io.tsgate.limits.LimitFileReloader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** {@code -ratelimit.config}: a file path, or an {@code http(s)://} URL fetched with a GET that must answer 200. */
public final class LimitFileSource implements LimitFileReloader.Source {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private final String location;
    private final HttpClient http;

    public LimitFileSource(String location) {
        this.location = location;
        this.http = isUrl(location) ? HttpClient.newBuilder().connectTimeout(TIMEOUT)
                .followRedirects(HttpClient.Redirect.NORMAL).build() : null;
    }

    static boolean isUrl(String location) {
        return location.startsWith("http://") || location.startsWith("https://");
    }

    @Override
    public String read() throws Exception {
        if (http == null) {
            return Files.readString(Path.of(location), StandardCharsets.UTF_8);
        }
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(location)).timeout(TIMEOUT).GET().build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        if (r.statusCode() != 200) {
            throw new java.io.IOException("GET " + name() + " answered " + r.statusCode());
        }
        return r.body();
    }

    /** The location for logs and errors, with any {@code user:password@} of a URL masked. */
    @Override
    public String name() {
        return isUrl(location) ? location.replaceFirst("^(https?://)[^/@]*@", "$1****@") : location;
    }
}

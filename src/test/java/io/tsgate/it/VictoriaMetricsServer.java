package io.tsgate.it;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A real single-node VictoriaMetrics (the Debian package's {@code /usr/bin/victoria-metrics}) on a loopback port
 * with its own temporary storage, plus the direct-access helpers tests use to check what really got stored,
 * bypassing tsgate.
 */
public final class VictoriaMetricsServer implements AutoCloseable {

    public static final String BINARY = "/usr/bin/victoria-metrics";
    public static final String PACKAGE = "victoria-metrics";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ManagedProcess process;
    private final Path dataDir;
    private final URI baseUri;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private VictoriaMetricsServer(ManagedProcess process, Path dataDir, URI baseUri) {
        this.process = process;
        this.dataDir = dataDir;
        this.baseUri = baseUri;
    }

    /** Installs the package if missing, starts VictoriaMetrics and waits until {@code /health} answers OK. */
    public static VictoriaMetricsServer start() throws IOException {
        Path binary = DebianPackages.ensureInstalled(BINARY, PACKAGE);
        Path workDir = Files.createTempDirectory("tsgate-it-vm");
        Path dataDir = workDir.resolve("data");
        HttpClient probe = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        return FreePort.retrying(() -> {
            int port = FreePort.pick();
            URI base = URI.create("http://127.0.0.1:" + port);
            List<String> command = List.of(binary.toString(),
                    "-httpListenAddr=127.0.0.1:" + port,
                    "-storageDataPath=" + dataDir,
                    "-retentionPeriod=100y",
                    // Without these a sample written now stays invisible to queries for 30s (latency offset) and
                    // cached responses hide data written after the first query of a range.
                    "-search.latencyOffset=0s",
                    "-search.disableCache");
            ManagedProcess process = ManagedProcess.start("victoria-metrics", command,
                    workDir.resolve("victoria-metrics-" + port + ".log"), START_TIMEOUT, () -> healthy(probe, base));
            return new VictoriaMetricsServer(process, dataDir, base);
        });
    }

    private static boolean healthy(HttpClient probe, URI base) {
        try {
            HttpResponse<String> r = probe.send(HttpRequest.newBuilder(base.resolve("/health"))
                    .timeout(Duration.ofSeconds(1)).build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 && r.body().trim().equals("OK");
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** {@code http://127.0.0.1:<port>}, no trailing slash. */
    public URI baseUri() {
        return baseUri;
    }

    public ManagedProcess process() {
        return process;
    }

    /**
     * Makes just-written samples searchable ({@code GET /internal/force_flush}, present in 1.79.5). Index-only
     * endpoints (series, labels) see the data right after; data searches (export, query) may still lag by about a
     * second in 1.79.5, so tests that read samples use {@link #awaitExported}.
     */
    public void flush() {
        HttpResponse<String> r = get("/internal/force_flush");
        if (r.statusCode() != 200) {
            throw new IllegalStateException("force_flush answered " + r.statusCode() + ": " + r.body());
        }
    }

    /** Writes Prometheus text exposition lines straight into VictoriaMetrics (no tsgate), then flushes. */
    public void importPrometheus(String lines) {
        HttpResponse<String> r = send(HttpRequest.newBuilder(baseUri.resolve("/api/v1/import/prometheus"))
                .POST(HttpRequest.BodyPublishers.ofString(lines)).build());
        if (r.statusCode() / 100 != 2) {
            throw new IllegalStateException("import answered " + r.statusCode() + ": " + r.body());
        }
        flush();
    }

    /**
     * The label sets of all series matching {@code match} (a series selector), read directly from VictoriaMetrics.
     * {@code start=1}, not 0: VictoriaMetrics reads {@code start=0} as "not given" and then lists only the last day,
     * which hides the fixtures' samples (captured with fixed timestamps) a day after they were captured.
     */
    public List<Map<String, String>> querySeries(String match) {
        HttpResponse<String> r = get("/api/v1/series?match[]=" + encode(match) + "&start=1");
        try {
            JsonNode root = JSON.readTree(r.body());
            if (r.statusCode() != 200 || !"success".equals(root.path("status").asText())) {
                throw new IllegalStateException("series answered " + r.statusCode() + ": " + r.body());
            }
            return JSON.convertValue(root.get("data"), new TypeReference<List<Map<String, String>>>() { });
        } catch (IOException e) {
            throw new IllegalStateException("series answered non-JSON: " + r.body(), e);
        }
    }

    /** The JSON lines {@code /api/v1/export} returns for {@code match}, read directly from VictoriaMetrics. */
    public List<JsonNode> export(String match) {
        HttpResponse<String> r = get("/api/v1/export?match[]=" + encode(match));
        if (r.statusCode() != 200) {
            throw new IllegalStateException("export answered " + r.statusCode() + ": " + r.body());
        }
        List<JsonNode> lines = new ArrayList<>();
        for (String line : r.body().split("\n")) {
            if (!line.isBlank()) {
                try {
                    lines.add(JSON.readTree(line));
                } catch (IOException e) {
                    throw new IllegalStateException("export line is not JSON: " + line, e);
                }
            }
        }
        return lines;
    }

    /** Flushes, then waits until {@code /api/v1/export} returns at least {@code series} series for {@code match}. */
    public List<JsonNode> awaitExported(String match, int series) {
        flush();
        return Await.until(series + " series exported for " + match, Duration.ofSeconds(15),
                () -> export(match), lines -> lines.size() >= series);
    }

    /**
     * Flushes, then waits until an instant {@code /api/v1/query} for {@code query} returns at least {@code results}
     * series; in 1.79.5 instant queries can lag behind export after a delete-and-reimport cycle.
     */
    public void awaitQueryable(String query, int results) {
        flush();
        Await.until(results + " results for " + query, Duration.ofSeconds(30), () -> {
            HttpResponse<String> r = get("/api/v1/query?query=" + encode(query));
            try {
                return JSON.readTree(r.body()).path("data").path("result").size();
            } catch (IOException e) {
                return -1;
            }
        }, n -> n >= results);
    }

    /** Deletes every series, so the next test starts from an empty database. */
    public void deleteAll() {
        HttpResponse<String> r = get("/api/v1/admin/tsdb/delete_series?match[]=" + encode("{__name__=~\".+\"}"));
        if (r.statusCode() / 100 != 2) {
            throw new IllegalStateException("delete_series answered " + r.statusCode() + ": " + r.body());
        }
        Await.until("empty database", Duration.ofSeconds(15), () -> querySeries("{__name__=~\".+\"}"),
                List::isEmpty);
    }

    /** GET {@code pathAndQuery} directly on VictoriaMetrics. */
    public HttpResponse<String> get(String pathAndQuery) {
        return send(HttpRequest.newBuilder(URI.create(baseUri + pathAndQuery)).GET().build());
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException("VictoriaMetrics unreachable at " + baseUri + "; log tail:\n"
                    + process.logTail(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        process.close();
        deleteRecursively(dataDir.getParent());
    }

    private static void deleteRecursively(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // A leftover temp directory is harmless.
        }
    }
}

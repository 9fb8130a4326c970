package io.tsgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.tsgate.cli.TokenCommand;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jar started with vmgateway's documented cluster rate-limit command line (its README's quick start: {@code -eula},
 * {@code -read.url}/{@code -write.url}, the limit file without resolutions, {@code -datasource.url}), plus the
 * {@code -auth.publicKeyFiles} tsgate needs and loopback ports; it serves, enforces the documented limit through the
 * datasource backend against the real VictoriaMetrics, and exports every metric the shipped Grafana dashboard and
 * alert rules use. The rules also pass the real {@code vmalert -dryRun}.
 */
@ExtendWith(ExternalServers.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VmgatewayDropInIT {
    private static final Path JAR = Path.of("target", "tsgate.jar").toAbsolutePath();
    private static final Path VMALERT = Path.of("/usr/bin/vmalert");
    private static final Path RULES = Path.of("examples", "monitoring", "alerts.yml");
    private static final Path DASHBOARD = Path.of("examples", "monitoring", "grafana-dashboard.json");
    /** Metric names as PromQL spells them in the examples: tsgate's own, the JVM's and the process's. */
    private static final Pattern METRIC = Pattern.compile("\\b(?:tsgate|jvm|process)_[a-zA-Z0-9_]+");

    private final HttpClient client = HttpClient.newHttpClient();
    private Path dir;
    private String tenant15;
    private String tenant1x5;
    private ManagedProcess jar;
    private int http;
    private ManagedChannel channel;

    @BeforeAll
    void start(VictoriaMetricsServer vm, @TempDir Path dir) throws Exception {
        this.dir = dir;
        assertTrue(Files.isRegularFile(JAR), JAR + " missing: run through mvn verify (package builds it)");
        assertEquals(0, token("keygen", "-family=RSA", "-dir=" + dir, "-name=key").code);
        tenant15 = token("-key=" + dir.resolve("key.key"), "-kid=key", "-account=15").out.trim();
        tenant1x5 = token("-key=" + dir.resolve("key.key"), "-kid=key", "-account=1", "-project=5").out.trim();
        Files.copy(Path.of("src/test/resources/vmgateway/cluster-limit.yaml"), dir.resolve("limit.yaml"));
        FreePort.Started<ManagedProcess> started = FreePort.retrying(2, ports -> {
            List<String> cmd = new ArrayList<>(List.of("java", "-jar", JAR.toString()));
            // vmgateway's README, cluster quick start, word for word but for the datasource's address:
            cmd.addAll(List.of("-eula", "-enable.rateLimit", "-ratelimit.config", "limit.yaml", "-datasource.url",
                    vm.baseUri().toString(), "-enable.auth", "-clusterMode", "-write.url=http://localhost:8480",
                    "--read.url=http://localhost:8481"));
            // tsgate refuses to run without keys; loopback ports chosen by the test.
            cmd.addAll(List.of("-auth.publicKeyFiles=" + dir.resolve("key.pem"), "-httpListenAddr=127.0.0.1:" + ports[1],
                    "-grpcListenAddr=127.0.0.1:" + ports[0]));
            URI ready = URI.create("http://127.0.0.1:" + ports[1] + "/ready");
            return ManagedProcess.start("vmgateway-cmdline", cmd, dir.resolve("tsgate-" + ports[0] + ".log"),
                    Duration.ofSeconds(60), () -> status(ready) == 200, dir);
        });
        jar = started.server();
        http = started.port(1);
        channel = ManagedChannelBuilder.forAddress("127.0.0.1", started.port(0)).usePlaintext().build();
        // What vmgateway's datasource would hold for tenant 15: 30 queries in the last minute, over its limit of 1.
        long now = System.currentTimeMillis();
        vm.importPrometheus("tsgate_tenant_requests_total{account_id=\"15\",project_id=\"0\"} 0 " + (now - 50_000) + "\n"
                + "tsgate_tenant_requests_total{account_id=\"15\",project_id=\"0\"} 30 " + (now - 5_000) + "\n");
    }

    @AfterAll
    void stop() {
        if (channel != null) {
            channel.shutdownNow();
        }
        if (jar != null) {
            jar.close();
        }
    }

    @Test
    void documentedClusterCommandLineServesAndSaysWhatItIgnores() throws Exception {
        CheckResponse ok = check("/api/v1/labels", tenant1x5);
        assertEquals(0, ok.getStatus().getCode(), ok.toString());
        assertTrue(ok.getOkResponse().getHeadersList().stream().anyMatch(h -> h.getHeader().getKey().equals(":path")
                && h.getHeader().getValue().equals("/select/1:5/prometheus/api/v1/labels")), ok.toString());
        assertEquals(401, check("/api/v1/labels", null).getDeniedResponse().getStatus().getCodeValue());
        String log = Files.readString(jar.logFile());
        for (String line : List.of("-eula is ignored: ", "-read.url is ignored: ", "-write.url is ignored: ",
                "have no resolution; tsgate applies them per minute", "rate limits on: backend datasource")) {
            assertEquals(1, log.lines().filter(l -> l.contains(line)).count(), line + " once in:\n" + log);
        }
    }

    @Test
    void theDocumentedTenantLimitIsEnforcedFromTheDatasource() {
        // The datasource is queried every -ratelimit.refreshInterval (5s): wait for the usage to arrive.
        int status = Await.until("tenant 15 over its documented limit of 1 query a minute", Duration.ofSeconds(40),
                () -> checkStatus("/api/v1/query?query=up", tenant15), s -> s == 429);
        assertEquals(429, status);
        assertEquals(200, checkStatus("/api/v1/query?query=up", tenant1x5), "other tenants keep the global limit of 100");
    }

    @Test
    void versionComesFromTheBuild() throws Exception {
        Process p = new ProcessBuilder("java", "-jar", JAR.toString(), "-version").redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertEquals(0, p.exitValue(), out);
        Matcher m = Pattern.compile("tsgate (\\S+) \\(revision (\\S+)\\)").matcher(out);
        assertTrue(m.matches(), out);
        assertNotEquals("dev", m.group(1));
        assertTrue(m.group(2).matches("[0-9a-f]{12}|unknown"), out);
        String metrics = get("/metrics");
        assertTrue(metrics.contains("tsgate_build_info{revision=\"" + m.group(2) + "\",version=\"" + m.group(1) + "\"} 1"),
                metrics);
    }

    @Test
    void shippedAlertRulesPassVmalertDryRun() throws Exception {
        DebianPackages.ensureInstalled(VMALERT.toString(), "victoria-metrics");
        assertEquals(0, vmalertDryRun(RULES.toAbsolutePath()));
        // The dry run does check expressions: a broken copy is refused.
        Path broken = dir.resolve("broken-alerts.yml");
        Files.writeString(broken, Files.readString(RULES).replace("== 0", "== "));
        assertNotEquals(0, vmalertDryRun(broken));
    }

    @Test
    void everyMetricTheDashboardAndRulesUseIsExported() throws Exception {
        // Allowed and denied traffic (401 and 429) first: labelled series appear with their first sample.
        assertEquals(200, checkStatus("/api/v1/labels", tenant1x5));
        assertEquals(401, checkStatus("/api/v1/labels", "not.a.token"));
        theDocumentedTenantLimitIsEnforcedFromTheDatasource();
        Set<String> exported = exportedNames(get("/metrics"));
        Set<String> used = new TreeSet<>();
        for (JsonNode group : new ObjectMapper(new YAMLFactory()).readTree(RULES.toFile()).get("groups")) {
            for (JsonNode rule : group.get("rules")) {
                used.addAll(metricNames(rule.get("expr").asText()));
            }
        }
        int rulesUse = used.size();
        for (JsonNode expr : new ObjectMapper().readTree(DASHBOARD.toFile()).findValues("expr")) {
            used.addAll(metricNames(expr.asText()));
        }
        assertTrue(rulesUse >= 10 && used.size() > rulesUse, "found the metrics the examples use: " + used);
        List<String> missing = used.stream().filter(n -> !exported.contains(n)).toList();
        assertEquals(List.of(), missing, "used by examples/monitoring but not in /metrics; exported: " + exported);
    }

    private int vmalertDryRun(Path rules) throws Exception {
        Process p = new ProcessBuilder(VMALERT.toString(), "-rule=" + rules, "-dryRun").redirectErrorStream(true)
                .redirectOutput(dir.resolve("vmalert-" + rules.getFileName() + ".log").toFile()).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "vmalert -dryRun finished");
        return p.exitValue();
    }

    private static Set<String> metricNames(String expr) {
        Set<String> names = new TreeSet<>();
        Matcher m = METRIC.matcher(expr);
        while (m.find()) {
            names.add(m.group());
        }
        return names;
    }

    /** Sample names on the page: {@code name{…} value} and {@code name value} lines. */
    private static Set<String> exportedNames(String page) {
        Set<String> names = new TreeSet<>();
        for (String line : page.lines().toList()) {
            if (!line.isEmpty() && !line.startsWith("#")) {
                int end = line.indexOf('{') >= 0 ? line.indexOf('{') : line.indexOf(' ');
                names.add(line.substring(0, end));
            }
        }
        return names;
    }

    private record Cli(int code, String out, String err) {
    }

    private static Cli token(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = TokenCommand.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        return new Cli(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private CheckResponse check(String path, String token) {
        AttributeContext.HttpRequest.Builder req = AttributeContext.HttpRequest.newBuilder()
                .setMethod("GET").setPath(path).setHost("vm").setProtocol("HTTP/1.1");
        if (token != null) {
            req.putHeaders("authorization", "Bearer " + token);
        }
        return AuthorizationGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                .check(CheckRequest.newBuilder().setAttributes(AttributeContext.newBuilder()
                        .setRequest(AttributeContext.Request.newBuilder().setHttp(req))).build());
    }

    private int checkStatus(String path, String token) {
        CheckResponse r = check(path, token);
        return r.getStatus().getCode() == 0 ? 200 : r.getDeniedResponse().getStatus().getCodeValue();
    }

    private String get(String path) {
        try {
            return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http + path)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        } catch (Exception e) {
            throw new IllegalStateException("GET " + path + ": " + e, e);
        }
    }

    private int status(URI uri) {
        try {
            return client.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }
}

package io.tsgate.backends;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.netty.shaded.io.netty.handler.ssl.JdkSslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import io.grpc.netty.shaded.io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.tsgate.config.ConfigException;
import io.tsgate.config.DatasourceConfig;
import io.tsgate.limits.UsageSource;
import io.tsgate.request.Tenant;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import javax.net.ssl.SSLException;

/**
 * Instant queries against {@code -datasource.url} ({@code GET /api/v1/query}, Prometheus HTTP API as
 * VictoriaMetrics serves it), with vmalert's/vmgateway's auth and TLS options. A vector result becomes one value per
 * tenant from the {@code account_id} and {@code project_id} labels; series without them are ignored.
 */
public final class PromQlUsageSource implements UsageSource {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final URI queryUri;
    private final HttpClient http;
    private final DatasourceConfig config;

    public PromQlUsageSource(DatasourceConfig config) throws ConfigException {
        this.config = config;
        String base = config.url().endsWith("/") ? config.url().substring(0, config.url().length() - 1) : config.url();
        this.queryUri = URI.create(base + "/api/v1/query");
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(TIMEOUT);
        if (base.startsWith("https://")) {
            b.sslContext(tls(config));
        }
        this.http = b.build();
    }

    private static javax.net.ssl.SSLContext tls(DatasourceConfig c) throws ConfigException {
        try {
            SslContextBuilder ssl = SslContextBuilder.forClient().sslProvider(SslProvider.JDK);
            if (c.tlsInsecureSkipVerify()) {
                ssl.trustManager(InsecureTrustManagerFactory.INSTANCE);
            } else if (c.tlsCAFile() != null) {
                ssl.trustManager(c.tlsCAFile().toFile());
            }
            if (c.tlsCertFile() != null) {
                ssl.keyManager(c.tlsCertFile().toFile(), c.tlsKeyFile().toFile());
            }
            return ((JdkSslContext) ssl.build()).context();
        } catch (SSLException | IllegalArgumentException e) {
            throw new ConfigException("-datasource.tls*: cannot load the TLS files: " + e.getMessage());
        }
    }

    @Override
    public Map<Tenant, Double> query(String promql) throws IOException, InterruptedException {
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(queryUri + "?query="
                + URLEncoder.encode(promql, StandardCharsets.UTF_8))).timeout(TIMEOUT).GET();
        String auth = config.authorization();
        if (auth != null) {
            req.header("Authorization", auth);
        }
        HttpResponse<String> r = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("-datasource.url answered " + r.statusCode() + " to " + promql + ": "
                    + abbreviate(r.body()));
        }
        JsonNode root = JSON.readTree(r.body());
        JsonNode data = root.path("data");
        if (!"success".equals(root.path("status").asText()) || !"vector".equals(data.path("resultType").asText())) {
            throw new IOException("-datasource.url: want a vector result for " + promql + ", got " + abbreviate(r.body()));
        }
        Map<Tenant, Double> out = new HashMap<>();
        for (JsonNode series : data.path("result")) {
            Tenant t = tenant(series.path("metric"));
            if (t != null) {
                double v = Double.parseDouble(series.path("value").path(1).asText("0"));
                out.merge(t, Double.isNaN(v) ? 0 : v, Double::sum);
            }
        }
        return out;
    }

    private static Tenant tenant(JsonNode metric) {
        try {
            long a = Long.parseLong(metric.path("account_id").asText(""));
            long p = Long.parseLong(metric.path("project_id").asText(""));
            return new Tenant(a, p);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static String abbreviate(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "…" : s;
    }

}

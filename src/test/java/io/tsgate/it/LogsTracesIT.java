package io.tsgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.tsgate.auth.TokenMinter;
import io.tsgate.envoy.bootstrap.EnvoyBootstrapValidator;
import io.tsgate.envoy.bootstrap.EnvoyConfigGenerator;
import io.tsgate.envoy.bootstrap.EnvoyConfigOptions;
import io.tsgate.envoy.bootstrap.BackendAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Logs and traces multitenancy end to end: client → {@link EnvoyStandIn} running the listeners
 * {@code tsgate envoy-config -logs.url -traces.url} generates → tsgate (in process, ext_authz) →
 * {@link VictoriaLogsStandIn}, which records the tenant headers and arguments VictoriaLogs v1.26.0 / VictoriaTraces
 * would act on (docs: https://docs.victoriametrics.com/victorialogs/querying/ and
 * https://docs.victoriametrics.com/victorialogs/#multitenancy: tenant from the AccountID/ProjectID headers;
 * extra_filters / extra_stream_filters arguments ANDed into the query). VictoriaLogs and VictoriaTraces are not
 * packaged for this machine, hence the stand-in.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LogsTracesIT {
    /** ext_authz's 0.5s covers a decision from memory, not a first request on a loaded CI machine. */
    private static final java.time.Duration SLOW_CI = java.time.Duration.ofSeconds(5);
    private InProcessGateway gateway;
    private VictoriaLogsStandIn logs;
    private VictoriaLogsStandIn traces;
    private VictoriaLogsStandIn metrics;
    private EnvoyStandIn logsEnvoy;
    private EnvoyStandIn tracesEnvoy;
    private EnvoyStandIn metricsEnvoy;
    private byte[] secret;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        Path secretFile = dir.resolve("hmac.secret");
        Files.writeString(secretFile, "0123456789abcdef0123456789abcdef0123456789abcdef");
        secret = TokenMinter.readHmacSecret(secretFile);
        gateway = InProcessGateway.start("-auth.hmacSecretFiles=" + secretFile);
        logs = VictoriaLogsStandIn.start();
        traces = VictoriaLogsStandIn.start();
        metrics = VictoriaLogsStandIn.start();
        // As printed: the stand-in runs what the command prints.
        Bootstrap b = EnvoyBootstrapValidator.parse(EnvoyConfigGenerator.generate(new EnvoyConfigOptions(false,
                BackendAddress.ofUrl("read.url", metrics.baseUri().toString()),
                BackendAddress.ofUrl("write.url", metrics.baseUri().toString()), false,
                BackendAddress.ofHostPort("tsgate", "127.0.0.1:" + gateway.grpcPort()),
                BackendAddress.ofHostPort("listen", EnvoyConfigOptions.DEFAULT_LISTEN),
                BackendAddress.ofHostPort("admin", EnvoyConfigOptions.DEFAULT_ADMIN), null,
                new EnvoyConfigOptions.LogsUpstream(BackendAddress.ofUrl("logs.url", logs.baseUri().toString()),
                        BackendAddress.ofHostPort("l", EnvoyConfigOptions.DEFAULT_LOGS_LISTEN)),
                new EnvoyConfigOptions.LogsUpstream(BackendAddress.ofUrl("traces.url", traces.baseUri().toString()),
                        BackendAddress.ofHostPort("t", EnvoyConfigOptions.DEFAULT_TRACES_LISTEN)))));
        logsEnvoy = EnvoyStandIn.builder(EnvoyConfig.ofListener(b, "victorialogs"))
                .grpc("tsgate", gateway.channel()).checkTimeout(SLOW_CI).cluster("victorialogs", logs.baseUri()).start();
        tracesEnvoy = EnvoyStandIn.builder(EnvoyConfig.ofListener(b, "victoriatraces"))
                .grpc("tsgate", gateway.channel()).checkTimeout(SLOW_CI)
                .cluster("victoriatraces", traces.baseUri()).start();
        metricsEnvoy = EnvoyStandIn.builder(EnvoyConfig.ofListener(b, "victoriametrics"))
                .grpc("tsgate", gateway.channel()).checkTimeout(SLOW_CI)
                .cluster("victoriametrics", metrics.baseUri()).start();
    }

    @AfterAll
    void stop() {
        for (AutoCloseable c : new AutoCloseable[] {logsEnvoy, tracesEnvoy, metricsEnvoy, logs, traces, metrics,
                gateway}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                // closing the rest matters more
            }
        }
    }

    private String token(Map<String, Object> vmAccess) {
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("exp", Instant.now().getEpochSecond() + 600);
        claims.put("vm_access", vmAccess);
        return TokenMinter.mint("HS256", null, secret, claims);
    }

    private String confined() {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("logs_account_id", 5);
        v.put("logs_project_id", 1);
        v.put("logs_extra_filters", List.of("app:nginx"));
        v.put("logs_extra_stream_filters", List.of("{team=\"dev\"}"));
        return token(v);
    }

    private static EnvoyStandIn.Response get(EnvoyStandIn envoy, String target, String token, String... headers) {
        String[] all = new String[headers.length + 2];
        all[0] = "authorization";
        all[1] = "Bearer " + token;
        System.arraycopy(headers, 0, all, 2, headers.length);
        return envoy.send(EnvoyStandIn.Downstream.of("GET", target, new byte[0], all));
    }

    @Test
    void confinedQueryReachesItsTenantWithOnlyTheTokensFilters() {
        int before = logs.received().size();
        EnvoyStandIn.Response r = get(logsEnvoy, "/select/logsql/query?query=error&extra_filters=*"
                + "&extra_stream_filters=%7B%7D&Extra_Filters=x", confined(), "AccountID", "0", "ProjectID", "0",
                "accountid", "9");
        assertEquals(200, r.status(), r.bodyText());
        assertEquals("{\"tenant\":\"5:1\",\"query\":\"error\",\"extra_filters\":[\"app:nginx\"],"
                + "\"extra_stream_filters\":[\"{team=\\\"dev\\\"}\"]}", r.bodyText());
        VictoriaLogsStandIn.Received got = logs.last();
        assertEquals(before + 1, logs.received().size());
        assertEquals(List.of("5"), got.header("AccountID"), "one value, tsgate's: the client's are replaced");
        assertEquals(List.of("1"), got.header("ProjectID"));
        assertEquals(List.of(), got.all("Extra_Filters"), "every client spelling is stripped");
        assertEquals(List.of(), got.header("authorization"), "the credential does not reach the backend");
    }

    @Test
    void confinedTokenCannotUseTheJaegerApiWhichIgnoresFilters() {
        int before = traces.received().size();
        EnvoyStandIn.Response r = get(tracesEnvoy, "/select/jaeger/api/services", confined());
        assertEquals(403, r.status());
        assertTrue(r.bodyText().contains("ignores extra_filters"), r.bodyText());
        assertEquals(before, traces.received().size(), "nothing reached VictoriaTraces");
        EnvoyStandIn.Response q = get(tracesEnvoy, "/select/logsql/query?query=*", confined());
        assertEquals(200, q.status(), q.bodyText());
        assertEquals("5:1", traces.last().tenant(), "traces take the logs grant when the token has no traces_*");
    }

    @Test
    void unconfinedTokenWritesLogsIntoItsTenant() {
        String t = token(Map.of("logs_account_id", 3, "logs_project_id", 4));
        EnvoyStandIn.Response r = logsEnvoy.send(EnvoyStandIn.Downstream.of("POST", "/insert/jsonline?_msg_field=m",
                "{\"m\":\"hello\"}\n".getBytes(StandardCharsets.UTF_8), "authorization", "Bearer " + t,
                "content-type", "application/stream+json", "ProjectID", "77"));
        assertEquals(200, r.status(), r.bodyText());
        assertEquals("3:4", logs.last().tenant());
        assertEquals(List.of("4"), logs.last().header("ProjectID"));
        EnvoyStandIn.Response span = tracesEnvoy.send(EnvoyStandIn.Downstream.of("POST",
                "/insert/opentelemetry/v1/traces", new byte[] {1, 2}, "authorization", "Bearer " + t,
                "content-type", "application/x-protobuf"));
        assertEquals(200, span.status(), span.bodyText());
        assertEquals("3:4", traces.last().tenant());
    }

    @Test
    void eachBackendNeedsItsOwnPartOfTheToken() {
        int metricsBefore = metrics.received().size();
        EnvoyStandIn.Response m = get(metricsEnvoy, "/api/v1/query?query=up", confined());
        assertEquals(403, m.status(), "logs fields never grant metrics tenant 0:0");
        assertTrue(m.bodyText().contains("grants no metrics access"), m.bodyText());
        assertEquals(metricsBefore, metrics.received().size());
        int logsBefore = logs.received().size();
        String metricsOnly = token(Map.of("tenant_id", Map.of("account_id", 1)));
        EnvoyStandIn.Response l = get(logsEnvoy, "/select/logsql/query?query=*", metricsOnly);
        assertEquals(403, l.status());
        assertEquals(logsBefore, logs.received().size());
        // A client header cannot pick the backend: the route's context extension does.
        EnvoyStandIn.Response forged = get(metricsEnvoy, "/select/logsql/query?query=*", confined(), "backend", "logs");
        assertEquals(403, forged.status());
        assertNull(metricsEnvoy.lastForwarded());
    }

    @Test
    void confinedFormBodyIsRefused() {
        EnvoyStandIn.Response r = logsEnvoy.send(EnvoyStandIn.Downstream.of("POST", "/select/logsql/query",
                "query=*&extra_filters=*".getBytes(StandardCharsets.UTF_8), "authorization", "Bearer " + confined(),
                "content-type", "application/x-www-form-urlencoded"));
        assertEquals(400, r.status());
        assertTrue(r.bodyText().contains("form"), r.bodyText());
    }
}

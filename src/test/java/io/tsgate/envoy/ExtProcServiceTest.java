package io.tsgate.envoy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode;
import io.tsgate.request.Tenant;
import io.tsgate.ingest.Fixtures;
import io.tsgate.ingest.WriteBodyCounter;
import io.tsgate.it.ExtProcStandIn;
import io.tsgate.it.ExtProcStandIn.Continue;
import io.tsgate.it.ExtProcStandIn.LocalReply;
import io.tsgate.it.ExtProcStandIn.Outcome;
import io.tsgate.it.ExtProcStandIn.Settings;
import io.tsgate.it.HeaderList;
import io.tsgate.limits.Limiter;
import io.tsgate.limits.RowBudgetLimiter;
import io.tsgate.limits.RowBudgetLimiter.Admission;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** ExtProcService through a real in-process gRPC stream, driven by the Envoy ext_proc stand-in. */
class ExtProcServiceTest {
    private static final Tenant LIMITED = new Tenant(1, 5);
    private static final Tenant FREE = new Tenant(2, 0);
    private static final String THREE_LINES = "m{a=\"1\"} 1\nm{a=\"2\"} 2\nn 3\n";

    private PrometheusRegistry registry;
    private Server server;
    private WriteCountingPool pool;
    private ManagedChannel channel;
    private final ExecutorService limiterThread = Executors.newSingleThreadExecutor();
    private final List<ExtProcStandIn> standIns = new java.util.ArrayList<>();

    /**
     * The stand-in behaves as Envoy v1.34, which lets a request through when the processor answers with a reply of the
     * wrong kind even with failure_mode_allow: false: no test here may pass because tsgate sent one.
     */
    @AfterEach
    void noReplyOfTheWrongKind() {
        for (ExtProcStandIn s : standIns) {
            assertEquals(List.of(), s.spuriousReplies(), "tsgate sent a reply Envoy v1.34 would ignore");
        }
    }

    @AfterEach
    void stop() {
        if (channel != null) {
            channel.shutdownNow();
        }
        if (server != null) {
            server.shutdownNow();
        }
        if (pool != null) {
            pool.close();
        }
        limiterThread.shutdownNow();
    }

    private ExtProcStandIn start(Limiter limiter, boolean denyUncountable, int maxBody, Settings settings) throws Exception {
        String name = InProcessServerBuilder.generateName();
        registry = new PrometheusRegistry();
        pool = new WriteCountingPool(1, 4, Duration.ofSeconds(30), registry);
        server = InProcessServerBuilder.forName(name).directExecutor()
                .addService(ExtProcServices.of(new WriteBodyCounter(maxBody, 32 << 20), pool, limiter, denyUncountable, registry,
                        Map.of("x-frame-options", "DENY")))
                .build().start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        ExtProcStandIn standIn = new ExtProcStandIn(channel, settings);
        standIns.add(standIn);
        return standIn;
    }

    private ExtProcStandIn start(Limiter limiter) throws Exception {
        return start(limiter, true, 8 << 20, Settings.envoyYaml());
    }

    private static RowBudgetLimiter budget(long rows) {
        return new RowBudgetLimiter(Map.of(LIMITED, rows), null);
    }

    private static HeaderList headers(String path, String... more) {
        HeaderList h = new HeaderList();
        h.add(":authority", "vm");
        h.add(":path", path);
        h.add(":method", "POST");
        h.add(":scheme", "http");
        for (int i = 0; i < more.length; i += 2) {
            h.add(more[i], more[i + 1]);
        }
        return h;
    }

    private static Map<String, Struct> authz(Tenant tenant, String requestClass) {
        return Map.of("envoy.filters.http.ext_authz", Struct.newBuilder()
                .putFields("tenant", Value.newBuilder().setStringValue(tenant.toString()).build())
                .putFields("subject", Value.newBuilder().setStringValue("alice").build())
                .putFields("class", Value.newBuilder().setStringValue(requestClass).build())
                .putFields("key_id", Value.newBuilder().setStringValue("k1").build()).build());
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aRepeatedQueryArgumentCountsAsVictoriaMetricsReadsIt() throws Exception {
        // VictoriaMetrics takes the first value of a repeated argument (Go's url.Values.Get): two metric columns here.
        RowBudgetLimiter limiter = budget(10);
        ExtProcStandIn envoy = start(limiter);
        envoy.process(headers("/api/v1/import/csv?format=1:metric:a,2:metric:b&format=1:metric:a"), utf8("1,2\n"),
                authz(LIMITED, "write"));
        assertEquals(2, limiter.used(LIMITED), "rows as VictoriaMetrics stores them");
    }

    /**
     * VictoriaMetrics reads the first of repeated Content-Encoding headers (Go's {@code Header.Get}); tsgate read the
     * last. Here the first says identity, so VictoriaMetrics 1.79.5 parses the raw bytes and stores the two lines
     * after an empty gzip member, while the last says gzip, which counts nothing (found by WriteParityIT). Which
     * reading a proxy in between keeps is not certain either, so a counted write must send the header once.
     */
    @Test
    void aRepeatedContentEncodingHeaderIsRefused() throws Exception {
        RowBudgetLimiter limiter = budget(10);
        ExtProcStandIn envoy = start(limiter);
        byte[] gzip = Fixtures.gzip(new byte[0]);
        byte[] lines = utf8("\nm 1\nn 2\n");
        byte[] body = java.util.Arrays.copyOf(gzip, gzip.length + lines.length);
        System.arraycopy(lines, 0, body, gzip.length, lines.length);
        Outcome o = envoy.process(headers("/api/v1/import/prometheus", "content-encoding", "identity",
                "content-encoding", "gzip"), body, authz(LIMITED, "write"));
        LocalReply r = assertInstanceOf(LocalReply.class, o);
        assertEquals(400, r.status());
        assertEquals("tsgate_write_encoding_unsupported", r.details());
        assertTrue(r.bodyText().contains("Content-Encoding"), r.bodyText());
        assertEquals(0, limiter.used(LIMITED));
    }

    @Test
    void limitedTenantsWriteIsBufferedCountedAndAllowedUnderTheLimit() throws Exception {
        RowBudgetLimiter limiter = budget(10);
        ExtProcStandIn envoy = start(limiter);
        Outcome o = envoy.process(headers("/api/v1/import/prometheus"), utf8(THREE_LINES), authz(LIMITED, "write"));
        Continue c = assertInstanceOf(Continue.class, o);
        assertTrue(c.bodySent());
        assertEquals(List.of(new Admission(LIMITED, 3, 3, true)), limiter.admissions());
        assertEquals(3, limiter.used(LIMITED));
        var sent = envoy.lastSent();
        assertEquals(2, sent.size());
        var mode = envoy.lastReplies().get(0).getModeOverride();
        assertEquals(ProcessingMode.BodySendMode.BUFFERED, mode.getRequestBodyMode());
        assertEquals(ProcessingMode.HeaderSendMode.SKIP, mode.getResponseHeaderMode(),
                "explicit: Envoy releases that apply the override whole would otherwise send response headers");
        assertEquals(ProcessingMode.BodySendMode.NONE, mode.getResponseBodyMode());
        assertTrue(sent.get(1).getRequestBody().getEndOfStream(), "one buffered body message");
    }

    /**
     * A write with trailers: Envoy's BUFFERED body message says end_of_stream=false (ext_proc.cc onTrailers, v1.34.0)
     * and no more body follows, so tsgate answers that one message; before, it waited for more until Envoy's 504.
     */
    @Test
    void writeWithTrailersIsCountedFromItsOneBodyMessage() throws Exception {
        RowBudgetLimiter limiter = budget(4);
        ExtProcStandIn envoy = start(limiter);
        HeaderList trailers = new HeaderList();
        trailers.add("x-checksum", "abc");
        Continue c = assertInstanceOf(Continue.class, envoy.process(new ExtProcStandIn.Request(
                headers("/api/v1/import/prometheus"), utf8(THREE_LINES), trailers, authz(LIMITED, "write"), null)));
        assertTrue(c.bodySent());
        assertFalse(envoy.lastSent().get(1).getRequestBody().getEndOfStream());
        assertEquals(3, limiter.used(LIMITED));
        LocalReply over = assertInstanceOf(LocalReply.class, envoy.process(new ExtProcStandIn.Request(
                headers("/api/v1/import/prometheus"), utf8(THREE_LINES), trailers, authz(LIMITED, "write"), null)));
        assertEquals(429, over.status());
    }

    /** Without protocol_config saying the body comes in one message, chunks are gathered: no short count. */
    @Test
    void bodyChunksAreGatheredWhenTheFiltersModeStreams() throws Exception {
        RowBudgetLimiter limiter = budget(4);
        ExtProcStandIn envoy = start(limiter, true, 8 << 20, Settings.envoyYaml()
                .withMode(Settings.envoyYaml().mode().toBuilder()
                        .setRequestBodyMode(ProcessingMode.BodySendMode.STREAMED).build())
                .withMessageTimeout(java.time.Duration.ofMillis(300)));
        HeaderList trailers = new HeaderList();
        trailers.add("x-checksum", "abc");
        LocalReply r = assertInstanceOf(LocalReply.class, envoy.process(new ExtProcStandIn.Request(
                headers("/api/v1/import/prometheus"), utf8(THREE_LINES), trailers, authz(LIMITED, "write"), null)));
        assertEquals(504, r.status(), "a streaming filter's end_of_stream=false chunk is not taken as the whole body");
        assertEquals(List.of(), limiter.admissions());
    }

    @Test
    void writeOverTheLimitIsRejectedWholeWith429AndNotCounted() throws Exception {
        RowBudgetLimiter limiter = budget(2);
        ExtProcStandIn envoy = start(limiter);
        LocalReply r = assertInstanceOf(LocalReply.class,
                envoy.process(headers("/api/v1/import/prometheus"), utf8(THREE_LINES), authz(LIMITED, "write")));
        assertEquals(429, r.status());
        assertEquals("42", r.headers().first("retry-after"));
        assertEquals("2", r.headers().first("ratelimit-limit"));
        assertEquals("2", r.headers().first("ratelimit-remaining"));
        assertEquals("42", r.headers().first("ratelimit-reset"));
        assertEquals("application/json", r.headers().first("content-type"));
        assertEquals("DENY", r.headers().first("x-frame-options"));
        assertEquals("tsgate_limit_rows_inserted", r.details());
        // mutation_utils.cc (v1.34) reads raw_value and append only: both spelled out.
        envoy.lastReplies().get(1).getImmediateResponse().getHeaders().getSetHeadersList().forEach(o -> assertTrue(
                !o.getHeader().getRawValue().isEmpty() && o.hasAppend() && !o.getAppend().getValue(), o.toString()));
        JsonNode body = new ObjectMapper().readTree(r.body());
        assertEquals("error", body.get("status").asText());
        assertEquals("too_many_requests", body.get("errorType").asText());
        assertTrue(body.get("error").asText().contains("rows_inserted"), body.toString());
        assertEquals(0, limiter.used(LIMITED), "a refused write is not counted");
        assertTrue(scrape().contains("tsgate_ext_proc_requests_total{outcome=\"deny\",reason=\"limit_rows_inserted\"} 1.0"),
                scrape());
    }

    /** ext_proc's denials are decisions like any other: tsgate_decisions_total under adapter ext_proc, class write. */
    @Test
    void denialsAreCountedAsExtProcDecisions() throws Exception {
        ExtProcStandIn envoy = start(budget(2));
        envoy.process(headers("/api/v1/import/prometheus"), utf8(THREE_LINES), authz(LIMITED, "write"));
        envoy.process(headers("/api/v1/import/native"), utf8("x"), authz(LIMITED, "write"));
        assertEquals(1, metric("tsgate_decisions_total",
                "adapter=\"ext_proc\",class=\"write\",decision=\"deny\",reason=\"limit_rows_inserted\""), scrape());
        assertEquals(1, metric("tsgate_decisions_total",
                "adapter=\"ext_proc\",class=\"write\",decision=\"deny\",reason=\"write_format_uncountable\""));
        assertEquals(1, outcome("deny", "limit_rows_inserted"), "the ext_proc metric keeps counting its denials");
    }

    @Test
    void limiterAnsweringOnItsOwnThreadCompletesTheStream() throws Exception {
        RowBudgetLimiter limiter = new RowBudgetLimiter(Map.of(LIMITED, 4L), limiterThread);
        ExtProcStandIn envoy = start(limiter);
        assertInstanceOf(Continue.class, envoy.process(headers("/api/v1/import/prometheus"), utf8(THREE_LINES), authz(LIMITED, "write")));
        LocalReply r = assertInstanceOf(LocalReply.class,
                envoy.process(headers("/api/v1/import/prometheus"), utf8(THREE_LINES), authz(LIMITED, "write")));
        assertEquals(429, r.status());
        assertEquals("1", r.headers().first("ratelimit-remaining"));
    }

    @Test
    void tenantWithoutWriteLimitsKeepsItsBodyStreaming() throws Exception {
        RowBudgetLimiter limiter = budget(1);
        ExtProcStandIn envoy = start(limiter);
        Continue c = assertInstanceOf(Continue.class,
                envoy.process(headers("/api/v1/import/prometheus"), utf8(THREE_LINES), authz(FREE, "write")));
        assertFalse(c.bodySent());
        assertEquals(1, envoy.lastSent().size());
        assertFalse(envoy.lastSent().get(0).getRequestHeaders().getEndOfStream());
        assertEquals(List.of(), limiter.admissions());
    }

    /**
     * VictoriaMetrics 1.79 keeps the first 30 labels of a series and adds extra_label last, so 29 labels of the
     * client's own would push the token's team label out. A confined write is read for that even when its tenant has
     * no write limits (nothing charged); an unconfined one still streams untouched.
     */
    @Test
    void confinedWriteOfATenantWithoutLimitsIsReadForItsLabelCountButNotCharged() throws Exception {
        RowBudgetLimiter limiter = budget(1);
        ExtProcStandIn envoy = start(limiter);
        StringBuilder many = new StringBuilder("m{");
        for (int i = 0; i < 30; i++) {
            many.append(i == 0 ? "" : ",").append("l").append(i).append("=\"v\"");
        }
        many.append("} 1\n");
        LocalReply refused = assertInstanceOf(LocalReply.class, envoy.process(
                headers("/api/v1/import/prometheus?extra_label=team%3Ddev"), utf8(many.toString()), authz(FREE, "write")));
        assertEquals(400, refused.status());
        assertEquals("tsgate_write_too_many_labels", refused.details());

        Continue fine = assertInstanceOf(Continue.class, envoy.process(
                headers("/api/v1/import/prometheus?extra_label=team%3Ddev"), utf8(THREE_LINES), authz(FREE, "write")));
        assertTrue(fine.bodySent(), "the body was read before it went on");
        assertEquals(List.of(), limiter.admissions(), "nothing charged to a tenant without write limits");
    }

    @Test
    void readsAreNeverBuffered() throws Exception {
        RowBudgetLimiter limiter = budget(1);
        ExtProcStandIn envoy = start(limiter);
        Continue c = assertInstanceOf(Continue.class,
                envoy.process(headers("/api/v1/query"), utf8("query=up"), authz(LIMITED, "read")));
        assertFalse(c.bodySent());
    }

    @Test
    void tenantComesFromExtAuthzMetadataNotFromClientHeaders() throws Exception {
        RowBudgetLimiter limiter = budget(1);
        ExtProcStandIn envoy = start(limiter);
        Continue free = assertInstanceOf(Continue.class, envoy.process(
                headers("/api/v1/import/prometheus", "x-tsgate-tenant", "1:5", "accountid", "1", "projectid", "5"),
                utf8(THREE_LINES), authz(FREE, "write")));
        assertFalse(free.bodySent(), "a forged tenant header does not make tsgate count");
        LocalReply limited = assertInstanceOf(LocalReply.class, envoy.process(
                headers("/api/v1/import/prometheus", "x-tsgate-tenant", "2:0"), utf8(THREE_LINES), authz(LIMITED, "write")));
        assertEquals(429, limited.status(), "nor does a forged header escape the limit");
    }

    @Test
    void writeWithoutForwardedAuthzMetadataIsDenied() throws Exception {
        ExtProcStandIn envoy = start(budget(10), true, 8 << 20, Settings.envoyYaml().withForwardingNamespaces(List.of()));
        LocalReply r = assertInstanceOf(LocalReply.class,
                envoy.process(headers("/api/v1/write"), utf8("x"), authz(LIMITED, "write")));
        assertEquals(403, r.status());
        assertEquals("tsgate_ext_proc_no_authz_metadata", r.details());
        assertTrue(r.bodyText().contains("forwarding_namespaces"), r.bodyText());
    }

    @Test
    void bodyModeOverrideNeedsAllowModeOverride() throws Exception {
        RowBudgetLimiter limiter = budget(1);
        ExtProcStandIn envoy = start(limiter, true, 8 << 20, Settings.envoyYaml().withAllowModeOverride(false));
        Continue c = assertInstanceOf(Continue.class,
                envoy.process(headers("/api/v1/import/prometheus"), utf8(THREE_LINES), authz(LIMITED, "write")));
        assertFalse(c.bodySent(), "Envoy ignores mode_override unless allow_mode_override: true");
        assertTrue(envoy.lastSent().size() == 1);
    }

    @Test
    void uncountableFormatFollowsTheFlag() throws Exception {
        ExtProcStandIn deny = start(budget(10), true, 8 << 20, Settings.envoyYaml());
        LocalReply r = assertInstanceOf(LocalReply.class,
                deny.process(headers("/api/v1/import/native"), utf8("native"), authz(LIMITED, "write")));
        assertEquals(403, r.status());
        assertEquals("tsgate_write_format_uncountable", r.details());
        stop();
        ExtProcStandIn allow = start(budget(10), false, 8 << 20, Settings.envoyYaml());
        assertFalse(assertInstanceOf(Continue.class,
                allow.process(headers("/api/v1/import/native"), utf8("native"), authz(LIMITED, "write"))).bodySent());
    }

    @Test
    void writeEndpointWithoutADecoderIsUncountableNotSkipped() throws Exception {
        ExtProcStandIn envoy = start(budget(10));
        LocalReply r = assertInstanceOf(LocalReply.class,
                envoy.process(headers("/tags/tagSeries"), utf8("path=a.b;tag=1"), authz(LIMITED, "write")));
        assertEquals("tsgate_write_format_uncountable", r.details());
        assertFalse(assertInstanceOf(Continue.class,
                envoy.process(headers("/datadog/api/v1/validate"), utf8("{}"), authz(LIMITED, "write"))).bodySent(),
                "probes that store nothing pass");
    }

    @Test
    void extraLabelsOfTheAuthorizedPathDefineTheSeries() throws Exception {
        RowBudgetLimiter limiter = budget(100);
        ExtProcStandIn envoy = start(limiter);
        envoy.process(headers("/api/v1/import/prometheus?extra_label=team%3Ddev"), utf8("m{team=\"a\"} 1\nm{team=\"b\"} 1\n"),
                authz(LIMITED, "write"));
        assertEquals(List.of(new Admission(LIMITED, 2, 1, true)), limiter.admissions());
    }

    @Test
    void vmagentRemoteWriteBodiesAreCountedThroughTheStream() throws Exception {
        RowBudgetLimiter limiter = budget(1_000_000);
        ExtProcStandIn envoy = start(limiter);
        long rows = 0;
        for (byte[] body : Fixtures.vmagentRemoteWrite()) {
            assertInstanceOf(Continue.class, envoy.process(headers("/insert/1:5/prometheus/api/v1/write",
                    "content-encoding", "snappy"), body, authz(LIMITED, "write")));
        }
        for (Admission a : limiter.admissions()) {
            rows += a.rows();
        }
        assertEquals(Fixtures.sampleLines(Fixtures.resource("vm-metrics.prom")), rows);
    }

    @Test
    void bodyOverTsgatesLimitIs413AndOverEnvoysBufferNeverReachesTsgate() throws Exception {
        RowBudgetLimiter limiter = budget(100);
        ExtProcStandIn envoy = start(limiter, true, 16, Settings.envoyYaml());
        LocalReply tsgate = assertInstanceOf(LocalReply.class,
                envoy.process(headers("/api/v1/import/prometheus"), utf8(THREE_LINES), authz(LIMITED, "write")));
        assertEquals(413, tsgate.status());
        assertEquals("tsgate_write_body_too_large", tsgate.details());
        stop();
        envoy = start(limiter, true, 8 << 20, Settings.envoyYaml().withBufferLimit(16));
        LocalReply buffer = assertInstanceOf(LocalReply.class,
                envoy.process(headers("/api/v1/import/prometheus"), utf8(THREE_LINES), authz(LIMITED, "write")));
        assertEquals(413, buffer.status());
        assertEquals(1, envoy.lastSent().size(), "Envoy refuses before sending the body");
        assertEquals(List.of(), limiter.admissions());
    }

    /**
     * Envoy hands ext_proc repeated headers as separate entries and VictoriaMetrics reads the first (Go's Header.Get):
     * "identity" then "gzip" made tsgate un-gzip and count one row while 1.79.5 parsed the raw bytes, rows hidden in
     * a gzip comment included. Repeated values are refused.
     */
    @Test
    void repeatedContentEncodingIsRefusedNotReadAsTheLast() throws Exception {
        RowBudgetLimiter limiter = budget(100);
        ExtProcStandIn envoy = start(limiter);
        LocalReply r = assertInstanceOf(LocalReply.class, envoy.process(headers("/api/v1/import/prometheus",
                "content-encoding", "identity", "content-encoding", "gzip"), gzip(THREE_LINES), authz(LIMITED, "write")));
        assertEquals(400, r.status());
        assertEquals("tsgate_write_encoding_unsupported", r.details());
        assertEquals(List.of(), limiter.admissions());
    }

    /** VictoriaMetrics reads {@code extra_label==x} as "rename every series to x": stored apart, never counted so. */
    @Test
    void extraLabelWithoutANameIsRefused() throws Exception {
        for (String arg : List.of("%3DX_renamed", "novalue")) {
            RowBudgetLimiter limiter = budget(100);
            ExtProcStandIn envoy = start(limiter);
            LocalReply r = assertInstanceOf(LocalReply.class, envoy.process(headers(
                    "/api/v1/import/prometheus?extra_label=" + arg), utf8(THREE_LINES), authz(LIMITED, "write")));
            assertEquals(400, r.status(), arg);
            assertEquals("tsgate_write_query_malformed", r.details(), arg);
            assertEquals(List.of(), limiter.admissions());
            stop();
        }
    }

    private static byte[] gzip(String text) throws java.io.IOException {
        var out = new java.io.ByteArrayOutputStream();
        try (var z = new java.util.zip.GZIPOutputStream(out)) {
            z.write(utf8(text));
        }
        return out.toByteArray();
    }

    @Test
    void malformedBodyIs400WithItsReason() throws Exception {
        ExtProcStandIn envoy = start(budget(100));
        LocalReply r = assertInstanceOf(LocalReply.class, envoy.process(headers("/api/v1/write",
                "content-encoding", "snappy"), utf8("definitely not snappy"), authz(LIMITED, "write")));
        assertEquals(400, r.status());
        assertEquals("tsgate_write_body_malformed", r.details());
        assertEquals("bad_data", new ObjectMapper().readTree(r.body()).get("errorType").asText());
    }

    @Test
    void emptyWriteIsNotBuffered() throws Exception {
        RowBudgetLimiter limiter = budget(1);
        ExtProcStandIn envoy = start(limiter);
        assertFalse(assertInstanceOf(Continue.class,
                envoy.process(headers("/api/v1/write"), new byte[0], authz(LIMITED, "write"))).bodySent());
        assertTrue(envoy.lastSent().get(0).getRequestHeaders().getEndOfStream());
    }

    /** The value of the sample {@code metric{labels}} in a scrape; NaN when there is none. */
    private double metric(String metric, String labels) throws Exception {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^" + java.util.regex.Pattern.quote(
                metric + "{" + labels + "}") + " (\\S+)$").matcher(scrape());
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }

    private double outcome(String outcome, String reason) throws Exception {
        return metric("tsgate_ext_proc_requests_total", "outcome=\"" + outcome + "\",reason=\"" + reason + "\"");
    }

    /** Each way a stream ends is counted once under its outcome and reason: what an operator alerts on. */
    @Test
    void everyOutcomeIsCountedUnderItsReason() throws Exception {
        RowBudgetLimiter limiter = budget(4);
        ExtProcStandIn envoy = start(limiter);
        envoy.process(headers("/api/v1/query"), utf8("query=up"), authz(LIMITED, "read"));
        envoy.process(headers("/datadog/api/v1/validate"), utf8("{}"), authz(LIMITED, "write"));
        assertEquals(2, outcome("skip", "not_write"), "a read and a write path that stores nothing");
        envoy.process(headers("/api/v1/import/prometheus"), utf8(THREE_LINES), authz(FREE, "write"));
        assertEquals(1, outcome("skip", "no_write_limits"));
        envoy.process(headers("/api/v1/write"), new byte[0], authz(LIMITED, "write"));
        assertEquals(1, outcome("skip", "empty_body"));
        assertEquals(0, outcome("allow", "ok"), "nothing allowed by a count yet");
        envoy.process(headers("/api/v1/import/prometheus"), utf8(THREE_LINES), authz(LIMITED, "write"));
        assertEquals(1, outcome("allow", "ok"));
        envoy.process(headers("/api/v1/import/prometheus"), utf8(THREE_LINES), authz(LIMITED, "write"));
        assertEquals(1, outcome("allow", "ok"));
        assertEquals(1, outcome("deny", "limit_rows_inserted"));
        assertEquals(2, outcome("skip", "not_write"));
        assertEquals(1, outcome("skip", "no_write_limits"));
        assertEquals(1, outcome("skip", "empty_body"));
    }

    @Test
    void uncountableWritesLetThroughAreCountedAsSkipped() throws Exception {
        ExtProcStandIn envoy = start(budget(10), false, 8 << 20, Settings.envoyYaml());
        envoy.process(headers("/api/v1/import/native"), utf8("native"), authz(LIMITED, "write"));
        assertEquals(1, outcome("skip", "uncountable_allowed"));
    }

    /** Logs and traces writes are not counted against limits: a limited tenant's logs write streams untouched. */
    @Test
    void logsAndTracesWritesAreNotCounted() throws Exception {
        RowBudgetLimiter limiter = budget(1);
        ExtProcStandIn envoy = start(limiter);
        for (String backend : List.of("logs", "traces")) {
            Struct meta = authz(LIMITED, "write").get("envoy.filters.http.ext_authz").toBuilder()
                    .putFields("backend", Value.newBuilder().setStringValue(backend).build()).build();
            Continue c = assertInstanceOf(Continue.class, envoy.process(headers("/insert/jsonline"),
                    utf8(THREE_LINES), Map.of("envoy.filters.http.ext_authz", meta)));
            assertFalse(c.bodySent(), backend);
        }
        assertEquals(List.of(), limiter.admissions());
        assertEquals(2, outcome("skip", "not_metrics"));
        // Metadata saying metrics, or (older tsgate) nothing, is counted as before.
        Struct metrics = authz(LIMITED, "write").get("envoy.filters.http.ext_authz").toBuilder()
                .putFields("backend", Value.newBuilder().setStringValue("metrics").build()).build();
        envoy.process(headers("/api/v1/import/prometheus"), utf8(THREE_LINES),
                Map.of("envoy.filters.http.ext_authz", metrics));
        assertEquals(2, outcome("skip", "not_metrics"), "the metrics write is not skipped as logs");
        assertFalse(limiter.admissions().isEmpty(), "a metrics write of a limited tenant is charged");
    }

    @Test
    void aReadWithoutAuthzMetadataIsSkippedAsNoWrite() throws Exception {
        ExtProcStandIn envoy = start(budget(10), true, 8 << 20, Settings.envoyYaml().withForwardingNamespaces(List.of()));
        assertFalse(assertInstanceOf(Continue.class,
                envoy.process(headers("/api/v1/query"), utf8("query=up"), authz(LIMITED, "read"))).bodySent());
        assertEquals(1, outcome("skip", "not_write"));
    }

    /** Rows, series and bytes of every counted body, charged or refused, by format; bytes before and after gzip. */
    @Test
    void countedBodiesFeedTheIngestMetrics() throws Exception {
        RowBudgetLimiter limiter = budget(4);
        ExtProcStandIn envoy = start(limiter);
        byte[] zipped = gzip(THREE_LINES);
        assertInstanceOf(Continue.class, envoy.process(headers("/api/v1/import/prometheus", "content-encoding", "gzip"),
                zipped, authz(LIMITED, "write")));
        assertInstanceOf(LocalReply.class, envoy.process(headers("/api/v1/import/prometheus"), utf8("m 1\nn 2\n"),
                authz(LIMITED, "write")));
        int plain = utf8(THREE_LINES).length;
        assertEquals(5, metric("tsgate_ingest_rows_total", "format=\"prometheus\""));
        assertEquals(5, metric("tsgate_ingest_series_total", "format=\"prometheus\""));
        assertEquals(zipped.length + 8, metric("tsgate_ingest_body_bytes_total", "format=\"prometheus\",stage=\"encoded\""));
        assertEquals(plain + 8, metric("tsgate_ingest_body_bytes_total", "format=\"prometheus\",stage=\"decoded\""));
        assertEquals(0, metric("tsgate_ingest_rows_total", "format=\"vmimport\""));
    }

    private String scrape() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, registry.scrape());
        return out.toString(StandardCharsets.UTF_8);
    }
}

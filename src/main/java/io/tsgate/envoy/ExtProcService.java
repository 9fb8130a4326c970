package io.tsgate.envoy;

import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.grpc.stub.StreamObserver;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tsgate.ingest.WriteBodyCounter;
import io.tsgate.limits.Limiter;
import io.tsgate.policy.Deny;
import io.tsgate.request.WriteFormat;
import java.util.Map;
import io.tsgate.log.CappedLines;
import io.tsgate.log.LogSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code envoy.service.ext_proc.v3.ExternalProcessor/Process}: write accounting. On request headers it reads the
 * tenant from the ext_authz dynamic metadata Envoy forwards (namespace {@value AuthzMetadata#NAMESPACE}; clients cannot
 * forge it, unlike a header) and asks for the body (mode override BUFFERED) only for writes of tenants with row or
 * series limits. On the body it counts rows and series and asks the {@link Limiter}; a write over a limit ends with
 * an immediate 429, so nothing of it is stored. Headers are handled on the transport thread; a body is counted on
 * the {@link WriteCountingPool} (a full pool answers 503 at once), and the limiter's answer completes the stream from
 * whichever thread it arrives on.
 */
public final class ExtProcService extends ExternalProcessorGrpc.ExternalProcessorImplBase {
    private static final Logger LOG = LoggerFactory.getLogger("io.tsgate.decision");

    final WriteBodyCounter counter;
    final Limiter limiter;
    final boolean denyUncountable;
    final ProcessingResponses responses;
    final WriteCountingPool pool;
    private final Counter outcomes;
    private final Counter rows;
    private final Counter series;
    private final Counter bytes;
    // Data points resolved once, as DecisionObserver does: the transport threads do no label lookups per stream.
    private final java.util.concurrent.ConcurrentHashMap<String, CounterDataPoint> skips =
            new java.util.concurrent.ConcurrentHashMap<>();
    private final CounterDataPoint allowedPoint;
    private final java.util.EnumMap<WriteFormat, FormatPoints> formats = new java.util.EnumMap<>(WriteFormat.class);

    private record FormatPoints(CounterDataPoint rows, CounterDataPoint series, CounterDataPoint encoded,
                                CounterDataPoint decoded) {
    }

    /**
     * @param denyUncountable {@code -ratelimit.uncountableWrites=deny}: writes in formats tsgate cannot count
     *                        (native, …) are refused for tenants whose writes are counted
     */
    public ExtProcService(WriteBodyCounter counter, WriteCountingPool pool, Limiter limiter, boolean denyUncountable,
                          PrometheusRegistry registry, Map<String, String> securityHeaders) {
        this.counter = counter;
        this.pool = pool;
        this.limiter = limiter;
        this.denyUncountable = denyUncountable;
        this.responses = new ProcessingResponses(securityHeaders);
        this.outcomes = Counter.builder().name("tsgate_ext_proc_requests_total")
                .help("ext_proc requests by outcome: skip (body not needed), allow (counted, within limits) or deny, "
                        + "and reason").labelNames("outcome", "reason").register(registry);
        this.rows = Counter.builder().name("tsgate_ingest_rows_total")
                .help("Rows (samples) counted in write bodies, by format").labelNames("format").register(registry);
        this.series = Counter.builder().name("tsgate_ingest_series_total")
                .help("Distinct series counted per write body, summed over bodies, by format").labelNames("format")
                .register(registry);
        this.bytes = Counter.builder().name("tsgate_ingest_body_bytes_total")
                .help("Write body bytes counted, as received (encoded) and after Content-Encoding (decoded)")
                .labelNames("format", "stage").register(registry);
        this.allowedPoint = outcomes.labelValues("allow", "ok");
        for (WriteFormat f : WriteFormat.values()) {
            if (f.countable()) {
                formats.put(f, new FormatPoints(rows.labelValues(f.label()), series.labelValues(f.label()),
                        bytes.labelValues(f.label(), "encoded"), bytes.labelValues(f.label(), "decoded")));
            }
        }
    }

    @Override
    public StreamObserver<ProcessingRequest> process(StreamObserver<ProcessingResponse> out) {
        return new ExtProcStream(this, out);
    }

    void skipped(String reason) {
        skips.computeIfAbsent(reason, r -> outcomes.labelValues("skip", r)).inc();
    }

    void counted(WriteFormat format, long rowCount, int seriesCount, long encoded, long decoded) {
        FormatPoints p = formats.get(format);
        p.rows().inc(rowCount);
        p.series().inc(seriesCount);
        p.encoded().inc(encoded);
        p.decoded().inc(decoded);
    }

    void allowed() {
        allowedPoint.inc();
    }

    void denied(Deny d, String path) {
        outcomes.labelValues("deny", d.reason()).inc();
        // A WARN line under the same per-second cap as ext_authz denials, its facts as fields.
        if (LogSettings.admitDenial()) {
            LOG.atWarn().addMarker(CappedLines.ADMITTED).setMessage("denied").addKeyValue("adapter", "ext_proc")
                    .addKeyValue("status", d.status()).addKeyValue("reason", d.reason())
                    .addKeyValue("tenant", String.valueOf(d.tenant())).addKeyValue("subject", d.subject())
                    .addKeyValue("path", path).addKeyValue("message", d.message()).log();
        }
    }
}

package io.tsgate.envoy;

import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.grpc.stub.StreamObserver;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tsgate.ingest.WriteBodyCounter;
import io.tsgate.policy.DecisionObserver;
import io.tsgate.policy.Deny;
import io.tsgate.policy.WriteAdmission;
import io.tsgate.request.RequestAttributes;
import io.tsgate.request.WriteFormat;
import java.util.Map;

/**
 * {@code envoy.service.ext_proc.v3.ExternalProcessor/Process}: write accounting. On request headers it reads the
 * tenant from the ext_authz dynamic metadata Envoy forwards (namespace {@value AuthzMetadata#NAMESPACE}; clients cannot
 * forge it, unlike a header) and asks {@link WriteAdmission} whether the body is needed; only then it asks for the
 * body (mode override BUFFERED). On the body it counts rows and series and hands the count to {@link WriteAdmission},
 * which asks the limiter; a write over a limit ends with an immediate 429, so nothing of it is stored. Denials are
 * logged and counted by the {@link DecisionObserver} under adapter {@value #ADAPTER}, like every other decision. Headers are handled on the transport thread; a body is counted on
 * the {@link WriteCountingPool} (a full pool answers 503 at once), and the limiter's answer completes the stream from
 * whichever thread it arrives on.
 */
public final class ExtProcService extends ExternalProcessorGrpc.ExternalProcessorImplBase {
    /** The {@code adapter} label of ext_proc's decisions. */
    static final String ADAPTER = "ext_proc";

    final WriteBodyCounter counter;
    final WriteAdmission writes;
    final ProcessingResponses responses;
    private final DecisionObserver observer;
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
     * @param writes   decides which bodies are read, counted and charged (the same rules as the Check's)
     * @param observer logs and counts denials, shared with the other adapters
     */
    public ExtProcService(WriteBodyCounter counter, WriteCountingPool pool, WriteAdmission writes,
                          DecisionObserver observer, PrometheusRegistry registry, Map<String, String> securityHeaders) {
        this.counter = counter;
        this.pool = pool;
        this.writes = writes;
        this.observer = observer;
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

    void denied(Deny d, RequestAttributes r, long startNanos) {
        outcomes.labelValues("deny", d.reason()).inc();
        observer.record(ADAPTER, r, d, startNanos);
    }
}

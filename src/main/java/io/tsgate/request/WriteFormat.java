package io.tsgate.request;

/**
 * The body formats of VictoriaMetrics' write endpoints: a column of the route table ({@link Endpoint#writeFormat()}),
 * read back from the authorized path by {@link EndpointCatalogue#writeFormat(String)}. {@link #NATIVE} and the other
 * formats tsgate does not decode are {@link #UNCOUNTABLE}: they follow {@code -ratelimit.uncountableWrites}.
 */
public enum WriteFormat {
    PROMETHEUS_REMOTE_WRITE("promremotewrite"),
    VM_JSON_LINE("vmimport"),
    PROMETHEUS_TEXT("prometheus"),
    CSV("csvimport"),
    INFLUX("influx"),
    OPENTSDB_HTTP("opentsdbhttp"),
    NATIVE("native"),
    UNCOUNTABLE("other"),
    /** Handlers VictoriaMetrics serves on write paths that store no samples (agent probes, metadata). */
    STORES_NOTHING("none");

    private final String label;

    WriteFormat(String label) {
        this.label = label;
    }

    /** Metric label value; matches VictoriaMetrics' {@code vm_rows_inserted_total{type=…}} where one exists. */
    public String label() {
        return label;
    }

    public boolean countable() {
        return this != NATIVE && this != UNCOUNTABLE && this != STORES_NOTHING;
    }
}

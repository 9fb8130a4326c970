package io.tsgate.request;

import java.util.Locale;

/**
 * The API a request is for. The data plane says which, never the client: Envoy's per-route
 * {@code check_settings.context_extensions} key {@link #CONTEXT_KEY} (absent: {@link #METRICS}), or the forward-auth
 * endpoint the proxy configuration calls.
 */
public enum Backend {
    /** VictoriaMetrics, single-node or cluster. */
    METRICS,
    /** VictoriaLogs: tenant from the {@code AccountID}/{@code ProjectID} headers, LogsQL filters as arguments. */
    LOGS,
    /** VictoriaTraces: VictoriaLogs' tenant headers and LogsQL API over spans, plus the Jaeger query API. */
    TRACES;

    /** The context extension key that names the backend. */
    public static final String CONTEXT_KEY = "backend";

    /** The name in configs, metrics and forward-auth paths. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The backend named {@code label} exactly ({@code metrics}, {@code logs}, {@code traces}), or null. */
    public static Backend of(String label) {
        for (Backend b : values()) {
            if (b.label().equals(label)) {
                return b;
            }
        }
        return null;
    }
}

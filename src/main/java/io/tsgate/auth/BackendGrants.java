package io.tsgate.auth;

/**
 * Which backends a credential may reach. Each backend's rights come from its own claim fields only: a token's
 * {@code logs_*} fields never grant metrics, and its metrics fields never grant logs or traces.
 *
 * @param metrics true when the credential grants VictoriaMetrics access ({@link Access#tenant()} and its labels)
 * @param logs    the VictoriaLogs grant, or null: every logs request is refused
 * @param traces  the VictoriaTraces grant, or null: every traces request is refused
 */
public record BackendGrants(boolean metrics, LogsGrant logs, LogsGrant traces) {
    /** Metrics only: vmgateway tokens, API keys and every grant that names no other backend. */
    public static final BackendGrants METRICS_ONLY = new BackendGrants(true, null, null);

    public BackendGrants {
        if (!metrics && logs == null && traces == null) {
            throw new IllegalArgumentException("a grant must allow at least one backend");
        }
    }
}

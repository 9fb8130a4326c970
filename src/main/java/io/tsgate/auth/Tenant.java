package io.tsgate.auth;

/** A VictoriaMetrics tenant: unsigned 32-bit account and project ids. */
public record Tenant(long accountId, long projectId) {
    public static final long MAX_ID = 0xFFFF_FFFFL;

    public Tenant {
        if (accountId < 0 || accountId > MAX_ID || projectId < 0 || projectId > MAX_ID) {
            throw new IllegalArgumentException("tenant ids must be unsigned 32-bit integers");
        }
    }

    /** The {@code account:project} form VictoriaMetrics cluster uses in URLs. */
    @Override
    public String toString() {
        return accountId + ":" + projectId;
    }
}

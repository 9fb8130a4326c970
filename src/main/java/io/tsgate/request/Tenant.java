package io.tsgate.request;

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

    /**
     * Reads the {@link #toString()} form back.
     *
     * @throws IllegalArgumentException when {@code s} is not two unsigned 32-bit decimal ids joined by a colon
     */
    public static Tenant parse(String s) {
        int colon = s.indexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("want account:project, got \"" + s + "\"");
        }
        return new Tenant(Long.parseLong(s.substring(0, colon)), Long.parseLong(s.substring(colon + 1)));
    }
}

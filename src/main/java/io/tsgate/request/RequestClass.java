package io.tsgate.request;

/** What a VictoriaMetrics endpoint does, which decides the access mode it needs. */
public enum RequestClass {
    READ, WRITE, ADMIN;

    private final String label = name().toLowerCase(java.util.Locale.ROOT);

    /** The lower-case name used in headers, metadata, metrics and logs (computed once: the hot path asks). */
    public String label() {
        return label;
    }
}

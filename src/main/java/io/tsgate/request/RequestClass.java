package io.tsgate.request;

/** What a VictoriaMetrics endpoint does, which decides the access mode it needs. */
public enum RequestClass {
    READ, WRITE, ADMIN;

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}

package io.tsgate.config;

/** How a flag's text is read. */
public enum FlagKind {
    /** true/false; given alone ({@code -enable.auth}) it means true. */
    BOOL,
    STRING,
    INT,
    /** Go-style duration: {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}. */
    DURATION,
    /** A byte count with VictoriaMetrics' optional suffixes: {@code KB MB GB TB} (powers of 1000), {@code KiB MiB GiB TiB}. */
    SIZE,
    /** Repeats or takes commas; values accumulate. */
    LIST
}

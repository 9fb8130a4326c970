package io.tsgate.config;

import java.time.Duration;

/**
 * Limits of the HTTP listener (forward-auth, {@code /metrics}, {@code /health}, {@code /ready}): what one connection
 * may cost before it is answered with an error or closed.
 *
 * @param headerReadTimeout {@code -http.headerReadTimeout}: from a request's first byte (a new connection's accept,
 *                          TLS handshake included) to the end of its headers
 * @param idleConnTimeout   {@code -http.idleConnTimeout}: a keep-alive connection with no request, or a request body
 *                          with no bytes, for this long is closed
 * @param maxHeaderBytes    {@code -http.maxHeaderBytes}: longest request line, and largest header block
 * @param maxHeaders        {@code -http.maxHeaders}: most header fields in one request
 */
public record HttpServerConfig(Duration headerReadTimeout, Duration idleConnTimeout, int maxHeaderBytes, int maxHeaders) {
    /** The flags' defaults: VictoriaMetrics' header timeout and idle timeout, Go's header size, the JDK's count. */
    public static final HttpServerConfig DEFAULTS = new HttpServerConfig(Duration.ofSeconds(5), Duration.ofMinutes(1),
            1 << 20, 200);

    public static HttpServerConfig from(FlagValues f) throws ConfigException {
        int bytes = f.size("http.maxHeaderBytes");
        if (bytes < 1024) {
            throw new ConfigException("-http.maxHeaderBytes: want at least 1024, got " + bytes);
        }
        int count = f.integer("http.maxHeaders");
        if (count < 16) {
            throw new ConfigException("-http.maxHeaders: want at least 16, got " + count);
        }
        return new HttpServerConfig(f.positiveDuration("http.headerReadTimeout"),
                f.positiveDuration("http.idleConnTimeout"), bytes, count);
    }
}

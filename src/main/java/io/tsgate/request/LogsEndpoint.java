package io.tsgate.request;

import java.util.Objects;

/**
 * A VictoriaLogs or VictoriaTraces endpoint as tsgate classified it (a row of the table in {@code LogsRoutes}).
 *
 * @param path           the path as the backend routes it (VictoriaLogs and VictoriaTraces keep one path for
 *                       single-node and cluster: the tenant travels in headers)
 * @param requestClass   the access the endpoint needs
 * @param honoursFilters true only when the backend ANDs {@code extra_filters} and {@code extra_stream_filters} into
 *                       what it answers; a token confined by filters must not reach an endpoint where this is false
 */
public record LogsEndpoint(String path, RequestClass requestClass, boolean honoursFilters) {
    public LogsEndpoint {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(requestClass, "requestClass");
        if (honoursFilters && requestClass != RequestClass.READ) {
            throw new IllegalArgumentException("filters are a query-time rule: only reads honour them");
        }
    }
}

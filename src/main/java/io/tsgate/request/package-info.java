/**
 * Request attributes free of transport types, the {@link io.tsgate.request.Tenant} and {@link io.tsgate.request.Label}
 * a request is confined to, the {@link io.tsgate.request.Backend} the data plane names, the VictoriaMetrics endpoint
 * catalogue and the VictoriaLogs/VictoriaTraces route table ({@code LogsRoutes}) with their classification,
 * path safety checks and the query/path rewriting that confines a request to its tenant and labels.
 */
package io.tsgate.request;

/**
 * Request attributes free of transport types, the {@link io.tsgate.request.Tenant} and {@link io.tsgate.request.Label}
 * a request is confined to, the VictoriaMetrics endpoint catalogue and classification,
 * path safety checks and the query/path rewriting that confines a request to its tenant and labels.
 */
package io.tsgate.request;

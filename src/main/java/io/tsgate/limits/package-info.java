/**
 * Per-tenant rate limits: vmgateway's limit file and its reloads, epoch-aligned windows, HyperLogLog
 * series sketches, the {@link io.tsgate.limits.Limiter} interface with the {@code local} and {@code datasource}
 * backends, the failure mode and per-tenant metrics. No Redis or HTTP client types: backends that need them live in
 * {@code io.tsgate.backends} behind the same interface.
 */
package io.tsgate.limits;

/**
 * Envoy adapters: the ext_authz gRPC service converting {@code CheckRequest} into
 * {@link io.tsgate.request.RequestAttributes} and a {@link io.tsgate.policy.Decision} back into a
 * {@code CheckResponse}, the ext_proc service that counts write bodies on its own bounded pool of threads, the
 * validation of Envoy bootstrap configs, and their generation
 * ({@code tsgate envoy-config}) from the shipped {@code envoy/*.yaml}.
 */
package io.tsgate.envoy;

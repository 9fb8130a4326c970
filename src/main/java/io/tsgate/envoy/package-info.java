/**
 * Envoy adapters: the ext_authz gRPC service converting {@code CheckRequest} into
 * {@link io.tsgate.request.RequestAttributes} and a {@link io.tsgate.policy.Decision} back into a
 * {@code CheckResponse}, and the validation of Envoy bootstrap configs.
 */
package io.tsgate.envoy;

/**
 * Envoy's runtime adapters, nothing else: the ext_authz gRPC service converting {@code CheckRequest} into
 * {@link io.tsgate.request.RequestAttributes} and a {@link io.tsgate.policy.Decision} back into a
 * {@code CheckResponse} (with the route's {@code body_counting} context extension), and the ext_proc service that
 * counts write bodies on its own bounded pool of threads and hands the count to
 * {@link io.tsgate.policy.WriteAdmission}, which decides. The
 * bootstrap generation and validation the CLI uses live in {@code io.tsgate.envoy.bootstrap}.
 */
package io.tsgate.envoy;

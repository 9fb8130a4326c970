/**
 * The decision core: classify, authenticate, authorize, rewrite, limit. Request attributes in,
 * {@link io.tsgate.policy.Decision} out; no gRPC, protobuf or HTTP server types. Writes are decided here too
 * ({@link io.tsgate.policy.WriteAdmission}): whether a write's body must be counted, whether the data plane counts it
 * ({@link io.tsgate.policy.BodyCounting}), and what ext_proc's count, bounds and limiter answer mean.
 */
package io.tsgate.policy;

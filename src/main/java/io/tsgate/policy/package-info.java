/**
 * The decision core: classify, authenticate, authorize, rewrite. Request attributes in, {@link io.tsgate.policy.Decision}
 * out; no gRPC, protobuf or HTTP server types.
 */
package io.tsgate.policy;

/**
 * Envoy adapters: the ext_authz and ext_proc gRPC services that convert Envoy's messages to and from the
 * transport-free core, and the Envoy bootstrap configs tsgate ships or prints, checked against Envoy's own
 * {@code Bootstrap} proto.
 */
package io.tsgate.envoy;

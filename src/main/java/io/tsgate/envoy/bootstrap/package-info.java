/**
 * Envoy bootstrap configs for {@code tsgate envoy-config}: generation from the shipped {@code envoy/*.yaml} with the
 * options the command takes, and validation that a bootstrap wires ext_authz and ext_proc the way tsgate's decisions
 * rely on. Used by the CLI only; nothing here runs on the request path.
 */
package io.tsgate.envoy.bootstrap;

/**
 * The command line: {@code Main} serves (through {@code io.tsgate.Gateway}) or hands over to a subcommand —
 * {@code token} mints tokens, {@code apikey} makes API keys, {@code envoy-config} prints an Envoy bootstrap and
 * {@code check} explains a decision.
 */
package io.tsgate.cli;

/**
 * Flags, environment and YAML turned into one immutable {@link io.tsgate.config.GatewayConfig}, made of one record
 * per concern: token keys, API keys, TLS, logging, forward-auth, the HTTP listener, ingest, the counting pool and rate
 * limits. Every flag is declared once in {@link io.tsgate.config.FlagCatalogue} with its default and help; a wrong
 * flag, value or key stops start-up with one line naming it.
 */
package io.tsgate.config;

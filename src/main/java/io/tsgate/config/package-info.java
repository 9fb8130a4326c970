/**
 * Flags, environment and YAML turned into one immutable {@link io.tsgate.config.GatewayConfig}. Every flag is
 * declared once in {@link io.tsgate.config.FlagCatalogue} with its default and help; a wrong flag, value or key stops
 * start-up with one line naming it.
 */
package io.tsgate.config;

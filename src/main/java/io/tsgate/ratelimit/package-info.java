/**
 * Rate-limit adapters that need I/O clients: the {@code redis} backend (Lettuce and the {@code limit.lua} script),
 * the PromQL client the {@code datasource} backend asks, and reading the limit file from a path or URL.
 */
package io.tsgate.ratelimit;

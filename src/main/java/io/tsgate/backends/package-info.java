/**
 * The I/O clients behind the core's narrow interfaces, named for what they talk to: the {@code redis} rate-limit
 * backend (Lettuce and the {@code limit.lua} script), the PromQL client the {@code datasource} backend asks, the limit
 * file read from a path or URL, and the Redis hash behind {@code -apikeys.redisUrl}. Parsing, matching and every
 * decision stay in the core ({@code limits}, {@code auth}); these classes only fetch and store, off the request path
 * or behind a non-blocking stage.
 */
package io.tsgate.backends;

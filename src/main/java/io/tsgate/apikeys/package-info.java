/**
 * API key sources that need a network client: the Redis hash behind {@code -apikeys.redisUrl}. Parsing, matching
 * and the decision stay in {@code io.tsgate.auth}; this package only fetches entries, off the request path.
 */
package io.tsgate.apikeys;

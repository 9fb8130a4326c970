/**
 * A small SLF4J provider writing one line per event to stderr, as text or JSON ({@code -loggerFormat}), filtered by
 * {@code -loggerLevel}. Logging is process-wide by nature, so its two settings are the only static state in tsgate.
 */
package io.tsgate.log;

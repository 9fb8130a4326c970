/**
 * A small SLF4J provider writing one line per event to stderr or stdout ({@code -loggerOutput}), as text or JSON
 * ({@code -loggerFormat}; fluent key-value pairs become JSON fields), filtered by {@code -loggerLevel}, with WARN and
 * ERROR lines capped per second ({@code -loggerWarnsPerSecondLimit}, {@code -loggerErrorsPerSecondLimit}). Logging is
 * process-wide by nature, so its settings are the only static state in tsgate.
 */
package io.tsgate.log;

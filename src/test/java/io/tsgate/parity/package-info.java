/**
 * Differential testing of write accounting against the real VictoriaMetrics: a seeded generator of write requests
 * built from risky spellings (escapes, invalid UTF-8, duplicate JSON keys, comments, whitespace, line endings, odd
 * numbers, Content-Encodings, repeated query arguments), one grammar per countable format, and the pieces
 * {@code it/WriteParityIT} needs to compare what tsgate counted with what VictoriaMetrics stored.
 */
package io.tsgate.parity;

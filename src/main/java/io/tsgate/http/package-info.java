/** The HTTP listener: {@code /metrics}, {@code /health}, {@code /ready}, with the configured security headers. */
package io.tsgate.http;

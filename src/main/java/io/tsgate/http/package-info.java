/**
 * The HTTP listener: {@code /metrics}, {@code /health}, {@code /ready}, and the forward-auth adapter that serves the
 * decision core to proxies asking over plain HTTP (Envoy {@code http_service}, nginx {@code auth_request}, Traefik
 * and Caddy), with the configured security headers on every response.
 */
package io.tsgate.http;

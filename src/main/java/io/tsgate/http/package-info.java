/**
 * The HTTP listener, on Netty: {@code /metrics}, {@code /health}, {@code /ready}, and the forward-auth adapter that
 * serves the decision core to proxies asking over plain HTTP (Envoy {@code http_service}, nginx {@code auth_request},
 * Traefik and Caddy), with the configured security headers on every response. Requests are decided on the event loop;
 * read deadlines and size limits keep a slow or abusive connection from costing more than itself.
 */
package io.tsgate.http;

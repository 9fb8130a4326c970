/**
 * Credential verification: JWT signature and claim checks against configured keys (PEM and HMAC files, JWKS and
 * OIDC discovery endpoints refreshed in the background) and API keys (hashed entries from a file or a loader),
 * turning a credential into the {@link io.tsgate.auth.Access} it grants. No transport types, no I/O on the
 * verification path.
 */
package io.tsgate.auth;

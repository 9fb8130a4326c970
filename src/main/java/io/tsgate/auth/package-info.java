/**
 * Credential verification: JWT signature and claim checks against configured keys, turning a credential into
 * the {@link io.tsgate.auth.Access} it grants. No transport types, no I/O on the verification path.
 */
package io.tsgate.auth;

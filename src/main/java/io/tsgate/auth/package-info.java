/**
 * Credential verification: JWT signature and claim checks against configured keys (PEM and HMAC files, JWKS and
 * OIDC discovery endpoints refreshed in the background) and API keys (hashed entries from a file or a loader),
 * turning a credential into the {@link io.tsgate.auth.Access} it grants. No transport types, no I/O on the
 * verification path.
 *
 * <p>Three credential families live here side by side — tokens ({@code Jwt*}, {@code ClaimsParser},
 * {@code CompactJwsShape}, {@code VmAccessClaim}, and access rules for tokens without {@code vm_access}:
 * {@code AccessRule*}, {@code ClaimPath}, {@code ClaimMatcher}, {@code GrantTemplate}), keys ({@code *KeySource},
 * {@code KeySet}, {@code VerificationKey} with its {@code SourceBinding} of issuer and audience, {@code Pem*},
 * {@code JwkKeys}) and API keys ({@code ApiKey*}) — and stay one package on purpose: they share
 * package-private seams that guard access ({@code VmAccessClaim}'s claim errors for both tokens and API keys,
 * {@code Sha256} for API key matching and the token cache, {@code VerificationKey}'s factories, the token shape
 * check), and splitting them would make those public for no reader's gain. Outside this package only the wiring
 * ({@code CredentialWiring}, the CLI, the Redis API-key loader) names the concrete classes; the decision core sees
 * {@link io.tsgate.auth.Authenticator} and {@link io.tsgate.auth.Access}.
 */
package io.tsgate.auth;

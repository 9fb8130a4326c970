package io.tsgate.auth;

/** Turns a compact JWT into the {@link Access} it grants, or rejects it. Must not do I/O; may cache. */
public interface TokenVerifier {
    Access verify(String compactJwt) throws CredentialRejectedException;
}

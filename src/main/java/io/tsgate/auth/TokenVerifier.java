package io.tsgate.auth;

/** Turns a compact JWT into the {@link Access} it grants, or rejects it. Must not do I/O; may cache. */
public interface TokenVerifier {
    Access verify(String compactJwt) throws CredentialRejectedException;

    /**
     * {@link #verify(String)} of {@code text.substring(from, to)}; a verifier that caches may answer a hit without
     * copying the token out of the header it came in.
     */
    default Access verify(String text, int from, int to) throws CredentialRejectedException {
        return verify(text.substring(from, to));
    }
}

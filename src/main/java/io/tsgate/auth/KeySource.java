package io.tsgate.auth;

/**
 * Where {@link JwtVerifier} gets its keys. Implementations refresh in the background and return the current
 * immutable snapshot here without I/O. Return the same {@link KeySet} instance until keys change: the verifier
 * treats a new instance as a key change and re-verifies cached tokens.
 */
@FunctionalInterface
public interface KeySource {
    KeySet keySet();
}

package io.tsgate.auth;

/**
 * Where {@link JwtVerifier} gets its keys. Implementations refresh in the background and return the current
 * immutable snapshot here without I/O. Return the same {@link KeySet} instance until keys change: the verifier
 * treats a new instance as a key change and re-verifies cached tokens.
 */
@FunctionalInterface
public interface KeySource {
    KeySet keySet();

    /**
     * A token named a key (or algorithm) no key in {@link #keySet()} fits. Sources that can fetch keys may schedule
     * a rate-limited background refresh; this must return at once and never do I/O itself.
     */
    default void keyMissing() {
    }
}

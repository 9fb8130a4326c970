package io.tsgate.auth;

import java.util.List;

/** Reads the current API key entries from wherever they live (a file, a Redis hash). Called off the request path. */
@FunctionalInterface
public interface ApiKeyLoader {
    /**
     * The entries now in force. Throws when the source is unreachable or invalid as a whole; the caller then keeps
     * the last good set. The exception message must name the source and must not contain key material.
     */
    List<ApiKeyEntry> load() throws Exception;
}

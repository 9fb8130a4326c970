package io.tsgate.auth;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An immutable set of API key entries indexed for the request path. Lookup goes by the first 8 bytes of the
 * SHA-256 of the presented key; the full 32-byte hash is then compared with {@link MessageDigest#isEqual}, so
 * timing reveals nothing about stored hashes beyond what an attacker can compute from their own input.
 */
public final class ApiKeySet {
    public static final ApiKeySet EMPTY = new ApiKeySet(List.of());

    private final List<ApiKeyEntry> entries;
    private final Map<Long, List<ApiKeyEntry>> byPrefix;

    /** Throws {@link IllegalArgumentException} on a duplicate name or hash. */
    public ApiKeySet(List<ApiKeyEntry> entries) {
        this.entries = List.copyOf(entries);
        Map<Long, List<ApiKeyEntry>> index = new HashMap<>();
        Set<String> names = new HashSet<>();
        Set<String> hashes = new HashSet<>();
        for (ApiKeyEntry e : this.entries) {
            if (!names.add(e.name())) {
                throw new IllegalArgumentException("API key name \"" + e.name() + "\" appears twice");
            }
            if (!hashes.add(e.sha256Hex())) {
                throw new IllegalArgumentException("API key \"" + e.name() + "\" has the same sha256 as another entry");
            }
            index.computeIfAbsent(prefix(e.sha256()), k -> new ArrayList<>(1)).add(e);
        }
        index.replaceAll((k, v) -> List.copyOf(v));
        this.byPrefix = Map.copyOf(index);
    }

    public List<ApiKeyEntry> entries() {
        return entries;
    }

    public int size() {
        return entries.size();
    }

    /** The entry whose hash is {@code sha256}, or null. */
    public ApiKeyEntry find(byte[] sha256) {
        List<ApiKeyEntry> candidates = byPrefix.get(prefix(sha256));
        if (candidates == null) {
            return null;
        }
        for (ApiKeyEntry e : candidates) {
            if (e.matches(sha256)) {
                return e;
            }
        }
        return null;
    }

    /** SHA-256 of the key text (UTF-8). */
    public static byte[] hash(String key) {
        return Sha256.of(key);
    }

    private static long prefix(byte[] sha256) {
        return ByteBuffer.wrap(sha256, 0, 8).getLong();
    }

    @Override
    public String toString() {
        return "ApiKeySet" + entries;
    }
}

package io.tsgate.auth;

import java.time.Instant;
import java.util.HexFormat;

/**
 * One API key as stored: its name, the SHA-256 of the key (never the key), and what it grants.
 *
 * @param name      unique name; the subject in logs, and the value of {@code -apikeys.nameLabel}
 * @param sha256    32-byte SHA-256 of the key text
 * @param access    tenant, labels, filters and mode, with {@code subject} = {@code keyId} = name
 * @param expiresAt when the key stops working, or null
 */
public record ApiKeyEntry(String name, byte[] sha256, Access access, Instant expiresAt) {
    public ApiKeyEntry {
        if (sha256.length != 32) {
            throw new IllegalArgumentException("sha256 must be 32 bytes");
        }
        sha256 = sha256.clone();
    }

    @Override
    public byte[] sha256() {
        return sha256.clone();
    }

    /** The hash as 64 lower-case hex digits, as the key file stores it. */
    public String sha256Hex() {
        return HexFormat.of().formatHex(sha256);
    }

    /** True when {@code hash} equals this entry's hash; constant time. */
    boolean matches(byte[] hash) {
        return java.security.MessageDigest.isEqual(sha256, hash);
    }

    /** Prints neither the hash nor anything derived from the key. */
    @Override
    public String toString() {
        return "ApiKeyEntry[" + name + " tenant=" + access.tenant() + " mode=" + access.mode()
                + (expiresAt == null ? "" : " expires=" + expiresAt) + " sha256=****]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ApiKeyEntry e && name.equals(e.name) && java.util.Arrays.equals(sha256, e.sha256)
                && access.equals(e.access) && java.util.Objects.equals(expiresAt, e.expiresAt);
    }

    @Override
    public int hashCode() {
        return name.hashCode();
    }
}

package io.tsgate.backends;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** {@code limit.lua}, the redis backend's one script, and its SHA-1 for {@code EVALSHA}. */
final class LimitScript {
    static final String TEXT = load();
    static final String SHA1 = sha1(TEXT);

    private LimitScript() {
    }

    private static String load() {
        try (InputStream in = LimitScript.class.getResourceAsStream("limit.lua")) {
            if (in == null) {
                throw new IllegalStateException("limit.lua missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String sha1(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

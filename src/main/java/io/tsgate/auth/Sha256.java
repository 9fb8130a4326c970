package io.tsgate.auth;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CoderResult;
import java.nio.charset.StandardCharsets;
import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * SHA-256 of credential text, with one digest and one scratch buffer per thread: the request path hashes every
 * presented credential, and a token cache hit should cost no copy of the token.
 */
final class Sha256 {
    /** Credentials up to this many ASCII chars are hashed from the per-thread buffer; longer ones are copied. */
    private static final int SCRATCH_BYTES = 8 * 1024;
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** A SHA-256 value as four longs: cheap equals/hashCode for a map key, no array kept per entry. */
    record Digest(long a, long b, long c, long d) {
    }

    private static final class Scratch {
        final MessageDigest digest = newDigest();
        final char[] chars = new char[SCRATCH_BYTES];
        final byte[] text = new byte[SCRATCH_BYTES];
        final byte[] out = new byte[32];
        /** Reports (never replaces) a char outside ASCII. */
        final CharsetEncoder ascii = StandardCharsets.US_ASCII.newEncoder();
        final CharBuffer charView = CharBuffer.wrap(chars);
        final ByteBuffer byteView = ByteBuffer.wrap(text);
    }

    private Sha256() {
    }

    /** SHA-256 of the text's UTF-8 bytes. */
    static byte[] of(String text) {
        return SCRATCH.get().digest.digest(text.getBytes(StandardCharsets.UTF_8));
    }

    /** SHA-256 of the UTF-8 bytes of {@code text[from, to)}: the same value as {@code of(text.substring(from, to))}. */
    static Digest of(String text, int from, int to) {
        Scratch s = SCRATCH.get();
        int n = to - from;
        if (n <= SCRATCH_BYTES && asciiInto(text, from, to, s)) {
            s.digest.update(s.text, 0, n); // ASCII chars are their own UTF-8 bytes
        } else {
            s.digest.update(text.substring(from, to).getBytes(StandardCharsets.UTF_8));
        }
        try {
            s.digest.digest(s.out, 0, s.out.length);
        } catch (DigestException e) {
            throw new IllegalStateException("SHA-256 output is 32 bytes", e);
        }
        return new Digest((long) LONGS.get(s.out, 0), (long) LONGS.get(s.out, 8), (long) LONGS.get(s.out, 16),
                (long) LONGS.get(s.out, 24));
    }

    /**
     * Copies the chars into {@code s.text} as bytes; false when one is not ASCII (the bytes are then not its UTF-8).
     * A bulk {@code getChars} and the JDK's ASCII encoder on plain arrays: a loop with {@code charAt} per char costs
     * more than the digest itself.
     */
    private static boolean asciiInto(String text, int from, int to, Scratch s) {
        int n = to - from;
        text.getChars(from, to, s.chars, 0);
        s.charView.clear().limit(n);
        s.byteView.clear();
        CoderResult r = s.ascii.reset().encode(s.charView, s.byteView, true);
        return r.isUnderflow() && s.byteView.position() == n;
    }

    private static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by the Java platform", e);
        }
    }
}

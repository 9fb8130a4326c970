package io.tsgate.ingest;

import java.util.Arrays;

/**
 * Growable bytes for label names and values a counter rewrites (unescaped, joined) before they are hashed. Growing
 * replaces the array and leaves the old one intact, so a range handed to {@link SeriesKey} stays valid until
 * {@link #reset()}, which the counter calls only once those labels are hashed.
 */
final class ByteScratch {
    private byte[] buf = new byte[256];
    private int used;

    void reset() {
        used = 0;
    }

    /** Forgets the bytes from {@code size} on; ranges below it stay valid. */
    void truncate(int size) {
        used = size;
    }

    /** Where the next appended byte goes. */
    int size() {
        return used;
    }

    /** The array holding every byte appended since {@link #reset()}. */
    byte[] array() {
        return buf;
    }

    void append(byte b) {
        ensure(1);
        buf[used++] = b;
    }

    void append(byte[] src, int off, int len) {
        ensure(len);
        System.arraycopy(src, off, buf, used, len);
        used += len;
    }

    private void ensure(int more) {
        if (used + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, used + more));
        }
    }
}

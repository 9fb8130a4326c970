package io.tsgate.parity;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** A growable byte buffer for bodies that must hold exact bytes (invalid UTF-8 included), not Java strings. */
public final class Bytes {
    private byte[] buf = new byte[256];
    private int len;

    /** Appends the UTF-8 bytes of {@code s}. */
    public Bytes text(String s) {
        return raw(s.getBytes(StandardCharsets.UTF_8));
    }

    public Bytes raw(byte[] b) {
        ensure(b.length);
        System.arraycopy(b, 0, buf, len, b.length);
        len += b.length;
        return this;
    }

    public Bytes raw(Bytes b) {
        return raw(b.toArray());
    }

    public Bytes octet(int b) {
        ensure(1);
        buf[len++] = (byte) b;
        return this;
    }

    public int length() {
        return len;
    }

    public byte[] toArray() {
        return Arrays.copyOf(buf, len);
    }

    private void ensure(int more) {
        if (len + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + more));
        }
    }

    /** Printable form for failure messages: ASCII as is, everything else as {@code \xHH}. */
    public static String printable(byte[] b) {
        StringBuilder s = new StringBuilder(b.length + 16);
        for (byte x : b) {
            int c = x & 0xFF;
            if (c == '\n') {
                s.append("\\n\n");
            } else if (c == '\\') {
                s.append("\\\\");
            } else if (c >= 0x20 && c < 0x7F) {
                s.append((char) c);
            } else {
                s.append(String.format("\\x%02x", c));
            }
        }
        return s.toString();
    }

    /** Java source for the same bytes: a string literal where they are UTF-8, else a byte-array expression. */
    public static String javaLiteral(byte[] b) {
        StringBuilder s = new StringBuilder("\"");
        for (byte x : b) {
            int c = x & 0xFF;
            switch (c) {
                case '\n' -> s.append("\\n");
                case '\r' -> s.append("\\r");
                case '\t' -> s.append("\\t");
                case '"' -> s.append("\\\"");
                case '\\' -> s.append("\\\\");
                default -> {
                    if (c >= 0x20 && c < 0x7F) {
                        s.append((char) c);
                    } else {
                        s.append(String.format("\\u%04x", c)); // ISO-8859-1 code point: decode with ISO_8859_1
                    }
                }
            }
        }
        return s.append("\".getBytes(StandardCharsets.ISO_8859_1)").toString();
    }
}

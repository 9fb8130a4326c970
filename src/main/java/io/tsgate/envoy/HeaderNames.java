package io.tsgate.envoy;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Header names a Check server has read before, by their exact bytes: a name's {@code String} (and its cached hash,
 * which the header map needs) is made once instead of on every request. A fixed table of {@value #SLOTS} slots, one
 * name each, overwritten on a clash; names longer than {@value #MAX_BYTES} bytes are not kept. A hit compares every
 * byte, so it can only return the very name that was sent.
 *
 * <p>Shared by the transport threads without locks: a slot holds an immutable entry (safely published through its
 * final fields), and a lost or stale write only costs a miss.
 */
final class HeaderNames {
    static final int SLOTS = 512;
    static final int MAX_BYTES = 64;
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private record Name(byte[] bytes, String text) {
    }

    private final Name[] table = new Name[SLOTS];

    /** The name whose bytes are {@code b[from, to)}, if it is in the table. */
    String lookup(byte[] b, int from, int to) {
        int n = to - from;
        if (n == 0 || n > MAX_BYTES) {
            return null;
        }
        Name e = table[slot(b, from, to)];
        return e != null && Arrays.equals(e.bytes, 0, e.bytes.length, b, from, to) ? e.text : null;
    }

    /** Keeps {@code text}, the name read from {@code b[from, to)}. */
    void remember(byte[] b, int from, int to, String text) {
        int n = to - from;
        if (n == 0 || n > MAX_BYTES) {
            return;
        }
        table[slot(b, from, to)] = new Name(Arrays.copyOfRange(b, from, to), text);
    }

    private static int slot(byte[] b, int from, int to) {
        int n = to - from;
        long h = n;
        if (n >= 8) { // the first and the last eight bytes tell most names apart
            h ^= (long) LONGS.get(b, from) * 0x9E3779B97F4A7C15L;
            h ^= Long.rotateLeft((long) LONGS.get(b, to - 8) * 0xC2B2AE3D27D4EB4FL, 31);
        } else {
            for (int i = from; i < to; i++) {
                h = h * 0x100000001B3L ^ b[i];
            }
        }
        h ^= h >>> 29;
        h ^= h >>> 17;
        return (int) h & (SLOTS - 1);
    }
}

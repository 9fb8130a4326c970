package io.tsgate.ingest;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * 64-bit hash of a byte range: 8 bytes per round with xxHash64's primes and MurmurHash3's finaliser. Not a
 * cryptographic hash: series hashes only feed cardinality sketches and limits, where a collision undercounts by one.
 */
final class SeriesHash {
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long P1 = 0x9E3779B185EBCA87L;
    private static final long P2 = 0xC2B2AE3D27D4EB4FL;
    private static final long P4 = 0x85EBCA77C2B2AE63L;
    private static final long P5 = 0x27D4EB2F165667C5L;

    private SeriesHash() {
    }

    static long of(byte[] b, int off, int len) {
        long h = P5 ^ (len * P1);
        int i = off;
        int end = off + len;
        for (; i + 8 <= end; i += 8) {
            long k = (long) LONGS.get(b, i) * P2;
            h ^= Long.rotateLeft(k, 31) * P1;
            h = Long.rotateLeft(h, 27) * P1 + P4;
        }
        long tail = 0;
        for (int shift = 0; i < end; i++, shift += 8) {
            tail |= (b[i] & 0xFFL) << shift;
        }
        h ^= Long.rotateLeft(tail * P5, 11) * P1;
        h ^= h >>> 33;
        h *= 0xFF51AFD7ED558CCDL;
        h ^= h >>> 33;
        h *= 0xC4CEB9FE1A85EC53L;
        h ^= h >>> 33;
        return h;
    }
}

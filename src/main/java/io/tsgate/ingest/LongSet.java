package io.tsgate.ingest;

import java.util.Arrays;

/** Open-addressing set of longs, reused across bodies on one thread: the distinct series hashes of a write. */
final class LongSet {
    private long[] slots = new long[1024];
    private int size;
    private boolean hasZero;

    void clear() {
        if (size > 0) {
            Arrays.fill(slots, 0L);
        }
        size = 0;
        hasZero = false;
        if (slots.length > 1 << 16) {
            slots = new long[1024];
        }
    }

    void add(long v) {
        if (v == 0) {
            hasZero = true;
            return;
        }
        if ((size + 1) * 2 > slots.length) {
            grow();
        }
        if (insert(slots, v)) {
            size++;
        }
    }

    private static boolean insert(long[] table, long v) {
        int mask = table.length - 1;
        int i = (int) (v ^ (v >>> 29)) & mask;
        while (true) {
            long s = table[i];
            if (s == 0) {
                table[i] = v;
                return true;
            }
            if (s == v) {
                return false;
            }
            i = (i + 1) & mask;
        }
    }

    private void grow() {
        long[] bigger = new long[slots.length * 2];
        for (long v : slots) {
            if (v != 0) {
                insert(bigger, v);
            }
        }
        slots = bigger;
    }

    int size() {
        return size + (hasZero ? 1 : 0);
    }

    long[] toArray() {
        long[] out = new long[size()];
        int n = 0;
        for (long v : slots) {
            if (v != 0) {
                out[n++] = v;
            }
        }
        if (hasZero) {
            out[n] = 0;
        }
        return out;
    }
}

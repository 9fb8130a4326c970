package io.tsgate.ingest;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Collects one sample's labels and hashes their canonical form: labels sorted by name (unsigned bytes), empty values
 * dropped (VictoriaMetrics drops them), each {@code extra_label} replacing a label of the same name. The canonical
 * bytes are {@code len name len value} per label, so no two label sets share an encoding. Reused per body; not
 * thread-safe.
 */
final class SeriesKey {
    private static final byte[] NAME = "__name__".getBytes(StandardCharsets.US_ASCII);

    private byte[] buf = new byte[512];
    private int used;
    private int[] nameOff = new int[32];
    private int[] nameLen = new int[32];
    private int[] valOff = new int[32];
    private int[] valLen = new int[32];
    private int n;
    private byte[] canon = new byte[512];
    private ExtraLabels extra = ExtraLabels.NONE;

    /** The extra labels applied by {@link #hash()} from now on. */
    void extraLabels(ExtraLabels labels) {
        this.extra = labels;
    }

    void reset() {
        used = 0;
        n = 0;
    }

    void add(byte[] src, int nOff, int nLen, int vOff, int vLen) {
        ensureLabel();
        ensureBytes(nLen + vLen);
        nameOff[n] = used;
        nameLen[n] = nLen;
        System.arraycopy(src, nOff, buf, used, nLen);
        used += nLen;
        valOff[n] = used;
        valLen[n] = vLen;
        System.arraycopy(src, vOff, buf, used, vLen);
        used += vLen;
        n++;
    }

    void add(String name, String value) {
        ensureLabel();
        nameOff[n] = used;
        nameLen[n] = put(name);
        valOff[n] = used;
        valLen[n] = put(value);
        n++;
    }

    void addMetricName(String value) {
        add(NAME, 0, NAME.length, 0, 0);
        n--;
        valOff[n] = used;
        valLen[n] = put(value);
        n++;
    }

    /** Hash of the labels added since {@link #reset()}, with the extra labels applied. */
    long hash() {
        sortByName();
        int c = 0;
        int e = 0;
        int i = 0;
        while (i < n || e < extra.size()) {
            int cmp;
            if (i >= n) {
                cmp = 1;
            } else if (e >= extra.size()) {
                cmp = -1;
            } else {
                byte[] en = extra.name(e);
                cmp = Arrays.compareUnsigned(buf, nameOff[i], nameOff[i] + nameLen[i], en, 0, en.length);
            }
            if (cmp < 0) {
                if (valLen[i] > 0) {
                    c = append(c, buf, nameOff[i], nameLen[i]);
                    c = append(c, buf, valOff[i], valLen[i]);
                }
                i++;
            } else {
                if (cmp == 0) {
                    i++;
                }
                byte[] en = extra.name(e);
                byte[] ev = extra.value(e);
                if (ev.length > 0) {
                    c = append(c, en, 0, en.length);
                    c = append(c, ev, 0, ev.length);
                }
                e++;
            }
        }
        return SeriesHash.of(canon, 0, c);
    }

    private int append(int at, byte[] src, int off, int len) {
        if (at + len + 5 > canon.length) {
            canon = Arrays.copyOf(canon, Math.max(canon.length * 2, at + len + 5));
        }
        int v = len;
        while (v >= 0x80) {
            canon[at++] = (byte) (v | 0x80);
            v >>>= 7;
        }
        canon[at++] = (byte) v;
        System.arraycopy(src, off, canon, at, len);
        return at + len;
    }

    private void sortByName() {
        for (int i = 1; i < n; i++) {
            if (compareNames(i - 1, i) <= 0) {
                continue;
            }
            int no = nameOff[i], nl = nameLen[i], vo = valOff[i], vl = valLen[i];
            int j = i - 1;
            while (j >= 0 && Arrays.compareUnsigned(buf, nameOff[j], nameOff[j] + nameLen[j], buf, no, no + nl) > 0) {
                nameOff[j + 1] = nameOff[j];
                nameLen[j + 1] = nameLen[j];
                valOff[j + 1] = valOff[j];
                valLen[j + 1] = valLen[j];
                j--;
            }
            nameOff[j + 1] = no;
            nameLen[j + 1] = nl;
            valOff[j + 1] = vo;
            valLen[j + 1] = vl;
        }
    }

    private int compareNames(int a, int b) {
        return Arrays.compareUnsigned(buf, nameOff[a], nameOff[a] + nameLen[a], buf, nameOff[b], nameOff[b] + nameLen[b]);
    }

    private int put(String s) {
        int len = s.length();
        ensureBytes(len * 3);
        int start = used;
        for (int k = 0; k < len; k++) {
            char ch = s.charAt(k);
            if (ch >= 0x80) {
                byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
                System.arraycopy(utf8, 0, buf, start, utf8.length);
                used = start + utf8.length;
                return utf8.length;
            }
            buf[used++] = (byte) ch;
        }
        return len;
    }

    private void ensureBytes(int more) {
        if (used + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, used + more));
        }
    }

    private void ensureLabel() {
        if (n == nameOff.length) {
            int size = n * 2;
            nameOff = Arrays.copyOf(nameOff, size);
            nameLen = Arrays.copyOf(nameLen, size);
            valOff = Arrays.copyOf(valOff, size);
            valLen = Arrays.copyOf(valLen, size);
        }
    }
}

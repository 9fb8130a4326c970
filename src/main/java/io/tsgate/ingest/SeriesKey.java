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
    private static final int INSERTION_SORT_MAX = 32;

    private byte[] buf = new byte[512];
    private int used;
    // Each label's bytes stay where they are (the decoded body, or buf for decoded strings): one copy, into canon.
    private byte[][] nameSrc = new byte[32][];
    private byte[][] valSrc = new byte[32][];
    private int[] nameOff = new int[32];
    private int[] nameLen = new int[32];
    private int[] valOff = new int[32];
    private int[] valLen = new int[32];
    private int n;
    private byte[] canon = new byte[512];
    private ExtraLabels extra = ExtraLabels.NONE;

    ExtraLabels extraLabels() {
        return extra;
    }

    /** The extra labels applied by {@link #hash()} from now on. */
    void extraLabels(ExtraLabels labels) {
        this.extra = labels;
    }

    /** Drops references into the last body, so a thread's scratch space does not keep it alive. */
    void release() {
        Arrays.fill(nameSrc, null);
        Arrays.fill(valSrc, null);
        n = 0;
        used = 0;
    }

    void reset() {
        used = 0;
        n = 0;
    }

    /** A label whose name and value lie in {@code src}, which must stay unchanged until {@link #hash()}. */
    void add(byte[] src, int nOff, int nLen, int vOff, int vLen) {
        add(src, nOff, nLen, src, vOff, vLen);
    }

    /**
     * A label whose name and value lie in arrays that must stay unchanged until {@link #hash()}. An empty name is the
     * metric name, as VictoriaMetrics stores it (InsertCtx keeps such labels, MarshalMetricNameRaw writes __name__ as
     * an empty key and MetricName.UnmarshalRaw makes the last empty key the metric group): sorted as __name__, the
     * order between it and __name__ labels stays, so which came last still tells series apart. Formats whose parsers
     * drop empty names (Prometheus text, Influx, OpenTSDB) must not add them.
     */
    void add(byte[] names, int nOff, int nLen, byte[] values, int vOff, int vLen) {
        if (nLen == 0) {
            names = NAME;
            nOff = 0;
            nLen = NAME.length;
        }
        ensureLabel();
        nameSrc[n] = names;
        nameOff[n] = nOff;
        nameLen[n] = nLen;
        valSrc[n] = values;
        valOff[n] = vOff;
        valLen[n] = vLen;
        n++;
    }

    /** The metric name, as raw bytes that must stay unchanged until {@link #hash()}. */
    void addMetricName(byte[] src, int off, int len) {
        add(NAME, 0, NAME.length, src, off, len);
    }

    void add(String name, String value) {
        if (name.isEmpty()) {
            addMetricName(value); // see add(byte[], …): an empty name is the metric name
            return;
        }
        ensureLabel();
        // put() may grow buf; an earlier array keeps its bytes, so labels already added stay valid.
        int nOff = used;
        int nLen = put(name);
        nameSrc[n] = buf;
        nameOff[n] = nOff;
        nameLen[n] = nLen;
        int vOff = used;
        int vLen = put(value);
        valSrc[n] = buf;
        valOff[n] = vOff;
        valLen[n] = vLen;
        n++;
    }

    void addMetricName(String value) {
        ensureLabel();
        nameSrc[n] = NAME;
        nameOff[n] = 0;
        nameLen[n] = NAME.length;
        int vOff = used;
        int vLen = put(value);
        valSrc[n] = buf;
        valOff[n] = vOff;
        valLen[n] = vLen;
        n++;
    }

    /**
     * The metric name, before the labels already added: for formats whose VictoriaMetrics handler adds the metric
     * name first whatever its place in the body (OpenTSDB), so a later {@code __name__} label still wins as there.
     */
    void addMetricNameFirst(String value) {
        addMetricName(value);
        int last = n - 1;
        byte[] ns = nameSrc[last], vs = valSrc[last];
        int no = nameOff[last], nl = nameLen[last], vo = valOff[last], vl = valLen[last];
        System.arraycopy(nameSrc, 0, nameSrc, 1, last);
        System.arraycopy(valSrc, 0, valSrc, 1, last);
        System.arraycopy(nameOff, 0, nameOff, 1, last);
        System.arraycopy(nameLen, 0, nameLen, 1, last);
        System.arraycopy(valOff, 0, valOff, 1, last);
        System.arraycopy(valLen, 0, valLen, 1, last);
        nameSrc[0] = ns;
        valSrc[0] = vs;
        nameOff[0] = no;
        nameLen[0] = nl;
        valOff[0] = vo;
        valLen[0] = vl;
    }

    /**
     * The labels VictoriaMetrics' InsertCtx would hold for this sample: every label added with a non-empty value
     * (repeats included) and the extra labels, which it adds last.
     */
    int labelCount() {
        int count = extra.size();
        for (int i = 0; i < n; i++) {
            if (valLen[i] > 0) {
                count++;
            }
        }
        return count;
    }

    /** Bytes of the sample's own label names and values added since {@link #reset()}. */
    long sampleBytes() {
        long b = 0;
        for (int i = 0; i < n; i++) {
            b += nameLen[i] + valLen[i];
        }
        return b;
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
                cmp = Arrays.compareUnsigned(nameSrc[i], nameOff[i], nameOff[i] + nameLen[i], en, 0, en.length);
            }
            if (cmp < 0) {
                if (valLen[i] > 0) {
                    c = append(c, nameSrc[i], nameOff[i], nameLen[i]);
                    c = append(c, valSrc[i], valOff[i], valLen[i]);
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

    /**
     * Stable, so repeated names keep their order and the key stays a function of the whole label sequence.
     * Insertion sort for the usual handful of labels; TimSort beyond, since a single line may carry many thousands.
     */
    private void sortByName() {
        if (n > INSERTION_SORT_MAX) {
            sortManyByName();
            return;
        }
        for (int i = 1; i < n; i++) {
            if (compareNames(i - 1, i) <= 0) {
                continue;
            }
            byte[] ns = nameSrc[i], vs = valSrc[i];
            int no = nameOff[i], nl = nameLen[i], vo = valOff[i], vl = valLen[i];
            int j = i - 1;
            while (j >= 0 && Arrays.compareUnsigned(nameSrc[j], nameOff[j], nameOff[j] + nameLen[j], ns, no, no + nl) > 0) {
                nameSrc[j + 1] = nameSrc[j];
                valSrc[j + 1] = valSrc[j];
                nameOff[j + 1] = nameOff[j];
                nameLen[j + 1] = nameLen[j];
                valOff[j + 1] = valOff[j];
                valLen[j + 1] = valLen[j];
                j--;
            }
            nameSrc[j + 1] = ns;
            valSrc[j + 1] = vs;
            nameOff[j + 1] = no;
            nameLen[j + 1] = nl;
            valOff[j + 1] = vo;
            valLen[j + 1] = vl;
        }
    }

    private void sortManyByName() {
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, this::compareNames);
        byte[][] ns = new byte[n][];
        byte[][] vs = new byte[n][];
        int[] no = new int[n], nl = new int[n], vo = new int[n], vl = new int[n];
        for (int i = 0; i < n; i++) {
            int k = order[i];
            ns[i] = nameSrc[k];
            vs[i] = valSrc[k];
            no[i] = nameOff[k];
            nl[i] = nameLen[k];
            vo[i] = valOff[k];
            vl[i] = valLen[k];
        }
        System.arraycopy(ns, 0, nameSrc, 0, n);
        System.arraycopy(vs, 0, valSrc, 0, n);
        System.arraycopy(no, 0, nameOff, 0, n);
        System.arraycopy(nl, 0, nameLen, 0, n);
        System.arraycopy(vo, 0, valOff, 0, n);
        System.arraycopy(vl, 0, valLen, 0, n);
    }

    private int compareNames(int a, int b) {
        return Arrays.compareUnsigned(nameSrc[a], nameOff[a], nameOff[a] + nameLen[a],
                nameSrc[b], nameOff[b], nameOff[b] + nameLen[b]);
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
            nameSrc = Arrays.copyOf(nameSrc, size);
            valSrc = Arrays.copyOf(valSrc, size);
            nameOff = Arrays.copyOf(nameOff, size);
            nameLen = Arrays.copyOf(nameLen, size);
            valOff = Arrays.copyOf(valOff, size);
            valLen = Arrays.copyOf(valLen, size);
        }
    }
}

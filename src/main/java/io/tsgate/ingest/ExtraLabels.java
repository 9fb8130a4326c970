package io.tsgate.ingest;

import io.tsgate.request.Label;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code extra_label} values VictoriaMetrics adds to every sample of a write, sorted by name, UTF-8 encoded once.
 * When a name repeats, the last non-empty value wins; an extra label replaces the sample's label of the same name;
 * one with an empty value is no label at all (app/vminsert/common/insert_ctx.go AddLabel, v1.79.5 and b7ef6cc3).
 */
public final class ExtraLabels {
    private static final byte[] METRIC_NAME = "__name__".getBytes(StandardCharsets.US_ASCII);
    public static final ExtraLabels NONE = of(List.of());

    private final byte[][] names;
    private final byte[][] values;

    private ExtraLabels(byte[][] names, byte[][] values) {
        this.names = names;
        this.values = values;
    }

    public static ExtraLabels of(List<Label> labels) {
        Map<String, String> last = new LinkedHashMap<>();
        for (Label l : labels) {
            // VictoriaMetrics' InsertCtx.AddLabel skips an empty value, so extra_label=team= replaces nothing.
            if (!l.value().isEmpty()) {
                last.put(l.name(), l.value());
            }
        }
        List<byte[][]> pairs = new ArrayList<>();
        last.forEach((k, v) -> pairs.add(new byte[][] {k.getBytes(StandardCharsets.UTF_8), v.getBytes(StandardCharsets.UTF_8)}));
        pairs.sort(Comparator.comparing((byte[][] p) -> p[0], Arrays::compareUnsigned));
        byte[][] n = new byte[pairs.size()][];
        byte[][] v = new byte[pairs.size()][];
        for (int i = 0; i < n.length; i++) {
            n[i] = pairs.get(i)[0];
            v[i] = pairs.get(i)[1];
        }
        return new ExtraLabels(n, v);
    }

    /**
     * These labels less {@code __name__}: for formats whose metric name VictoriaMetrics sets after the extra labels
     * (Influx), an {@code extra_label=__name__=…} renames nothing.
     */
    ExtraLabels withoutMetricName() {
        for (int i = 0; i < names.length; i++) {
            if (Arrays.equals(names[i], METRIC_NAME)) {
                byte[][] n = new byte[names.length - 1][];
                byte[][] v = new byte[names.length - 1][];
                System.arraycopy(names, 0, n, 0, i);
                System.arraycopy(names, i + 1, n, i, n.length - i);
                System.arraycopy(values, 0, v, 0, i);
                System.arraycopy(values, i + 1, v, i, v.length - i);
                return new ExtraLabels(n, v);
            }
        }
        return this;
    }

    int size() {
        return names.length;
    }

    byte[] name(int i) {
        return names[i];
    }

    byte[] value(int i) {
        return values[i];
    }
}

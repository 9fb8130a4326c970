package io.tsgate.parity;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Supplier;

/**
 * Gives a record an earlier record's labels in another order now and then. VictoriaMetrics keeps the last of
 * repeated names (and reads an empty name as the metric name), so label order can decide the stored series; a
 * counter that sorts first may fold what is stored apart. One per body.
 */
final class Twins {
    private final List<List<byte[]>> seen = new ArrayList<>();

    /** Rendered labels for the next record: fresh ones, or an earlier record's shuffled. */
    List<byte[]> next(Dice r, Supplier<List<byte[]>> fresh) {
        if (!seen.isEmpty() && Spellings.chance(r, 0.2)) {
            List<byte[]> twin = new ArrayList<>(Spellings.pick(r, seen));
            Collections.shuffle(twin, r);
            return twin;
        }
        List<byte[]> labels = fresh.get();
        seen.add(labels);
        return labels;
    }

    /** The labels joined by {@code separator}. */
    static byte[] join(List<byte[]> labels, String separator) {
        Bytes b = new Bytes();
        for (int i = 0; i < labels.size(); i++) {
            if (i > 0) {
                b.text(separator);
            }
            b.raw(labels.get(i));
        }
        return b.toArray();
    }
}

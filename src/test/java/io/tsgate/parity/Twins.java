package io.tsgate.parity;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Supplier;

/**
 * Gives a record an earlier record's labels now and then: in another order (VictoriaMetrics keeps the last of repeated
 * names and reads an empty name as the metric name, so order can decide the stored series and a counter that sorts
 * first may fold what is stored apart), or with one spelling swapped for a sibling (an escape for the character it
 * names, one invalid UTF-8 sequence for another), which only a folding parser reads as the same series. One per body.
 */
final class Twins {
    private final List<List<byte[]>> seen = new ArrayList<>();

    /** Rendered labels for the next record: fresh ones, or an earlier record's shuffled. */
    List<byte[]> next(Dice r, Supplier<List<byte[]>> fresh) {
        if (!seen.isEmpty() && Spellings.chance(r, 0.25)) {
            List<byte[]> twin = new ArrayList<>(Spellings.pick(r, seen));
            if (Spellings.chance(r, 0.5)) {
                Collections.shuffle(twin, r);
            } else if (!twin.isEmpty()) {
                int k = r.nextInt(twin.size());
                byte[] near = Spellings.mutate(r, twin.get(k));
                if (near != null) {
                    twin.set(k, near);
                }
            }
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

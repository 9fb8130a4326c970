package io.tsgate.parity;

import static io.tsgate.parity.Spellings.chance;
import static io.tsgate.parity.Spellings.pick;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Prometheus remote write ({@code WriteRequest}, before snappy) for {@code /api/v1/write}: label names and values
 * with invalid UTF-8 and empty strings, repeated label names, a field repeated inside a label or sample (the last
 * wins in protobuf), fields out of order, unknown fields, series without samples, metadata entries.
 */
final class RemoteWriteGrammar implements Grammar {
    private static final List<String> NAMES = List.of("__name__", "a", "b", "a", "job", "", "A");

    @Override
    public String name() {
        return "remotewrite";
    }

    @Override
    public Draft draft(Dice r) {
        List<byte[]> values = Spellings.pool(r, 2 + r.nextInt(3), List.of());
        Protobuf request = new Protobuf();
        Twins twins = new Twins();
        int series = 1 + r.nextInt(4);
        for (int i = 0; i < series; i++) {
            request.bytes(1, timeSeries(r, values, twins));
            if (r.odd()) {
                request.bytes(3, new Protobuf().int64(1, 1).bytes(2, ascii("m")).toArray()); // MetricMetadata
            }
        }
        if (r.odd()) {
            request.int64(15, 7); // unknown field
        }
        return new Draft(pick(r, "/api/v1/write", "/prometheus/api/v1/write", "/api/v1/push"), List.of(),
                request.toArray(), "");
    }

    private static byte[] timeSeries(Dice r, List<byte[]> values, Twins twins) {
        List<byte[]> fields = new ArrayList<>(twins.next(r, () -> labels(r, values)));
        int samples = r.odd() && chance(r, 0.2) ? 0 : 1 + r.nextInt(3);
        for (int i = 0; i < samples; i++) {
            fields.add(new Protobuf().bytes(2, sample(r, i)).toArray());
        }
        if (r.odd()) {
            Collections.shuffle(fields, r);
        }
        Protobuf ts = new Protobuf();
        fields.forEach(ts::raw);
        if (r.odd()) {
            ts.bytes(3, new Protobuf().fixed64(2, Double.doubleToLongBits(1)).toArray()); // an exemplar
        }
        return ts.toArray();
    }

    private static List<byte[]> labels(Dice r, List<byte[]> values) {
        List<byte[]> out = new ArrayList<>();
        out.add(new Protobuf().bytes(1, label(r, ascii("__name__"), !r.odd() ? ascii(pick(r, "m", "n"))
                : pick(r, values))).toArray());
        int labels = Spellings.labelCount(r, 3);
        for (int i = 0; i < labels; i++) {
            out.add(new Protobuf().bytes(1, label(r, ascii(r.odd() ? pick(r, NAMES) : Spellings.labelName(i)),
                    pick(r, values))).toArray());
        }
        return out;
    }

    private static byte[] label(Dice r, byte[] name, byte[] value) {
        Protobuf p = new Protobuf();
        if (r.odd() && chance(r, 0.3)) {
            p.bytes(1, ascii(pick(r, "a", "b", "__name__"))); // repeated: the last one counts
        }
        if (r.odd()) {
            p.bytes(2, value).bytes(1, name);
        } else {
            p.bytes(1, name).bytes(2, value);
        }
        if (r.odd() && chance(r, 0.3)) {
            p.bytes(2, ascii("c"));
        }
        return p.toArray();
    }

    private static byte[] sample(Dice r, int i) {
        double value = !r.odd() ? r.nextInt(100) : pick(r, Double.NaN, Double.POSITIVE_INFINITY, -0.0);
        Protobuf p = new Protobuf();
        long ts = Spellings.BASE_MS + i * 1000L;
        if (r.odd()) {
            p.int64(2, ts).fixed64(1, Double.doubleToLongBits(value));
        } else {
            p.fixed64(1, Double.doubleToLongBits(value));
            if (!(r.odd() && chance(r, 0.2))) {
                p.int64(2, ts);
            }
        }
        return p.toArray();
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}

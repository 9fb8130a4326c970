package io.tsgate.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.tsgate.request.Label;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * SeriesKey against a plain model of the series identity it hashes: labels stably sorted by name (unsigned bytes),
 * an empty name read as {@code __name__}, empty values dropped, each extra label replacing the first sample label of
 * its name and sorting before any other label of that name, every name and value written as an unsigned LEB128 length
 * and its UTF-8 bytes. The model is written for clarity, not speed; any difference is a counting bug.
 */
class SeriesKeyTest {
    private static final String[] NAMES = {"", "__name__", "a", "aa", "b", "job", "team", "z", "\u00e9", "\u0080",
        "x".repeat(130), "n".repeat(17_000)};
    private static final String[] VALUES = {"", "", "1", "v", "w", "\u0080x", "\u00e9t\u00e9", "y".repeat(127),
        "y".repeat(128), "q".repeat(16_384), "\uD83D\uDE00"};

    /** One label as added, in the order added. */
    private record Added(String name, String value) {
        String stored() {
            return name.isEmpty() ? "__name__" : name;
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static int compareNames(String a, String b) {
        return Arrays.compareUnsigned(utf8(a), utf8(b));
    }

    private static void writeLength(ByteArrayOutputStream out, int len) {
        int v = len;
        while (v >= 0x80) {
            out.write(v & 0x7F | 0x80);
            v >>>= 7;
        }
        out.write(v);
    }

    /** The canonical bytes of the model, hashed as SeriesKey hashes its own. */
    private static long modelHash(List<Added> added, List<Label> extras) {
        Map<String, String> lastExtra = new LinkedHashMap<>();
        for (Label l : extras) {
            if (!l.value().isEmpty()) {
                lastExtra.put(l.name(), l.value());
            }
        }
        List<Added> own = new ArrayList<>(added);
        List<Added> all = new ArrayList<>();
        for (Map.Entry<String, String> x : lastExtra.entrySet()) {
            all.add(new Added(x.getKey(), x.getValue()));
            for (int i = 0; i < own.size(); i++) {
                if (own.get(i).stored().equals(x.getKey())) {
                    own.remove(i);
                    break;
                }
            }
        }
        all.sort((p, q) -> compareNames(p.stored(), q.stored())); // extras: one per name, order within ties moot
        all.addAll(own);
        all.sort((p, q) -> compareNames(p.stored(), q.stored())); // stable: extras stay before own labels of their name
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Added a : all) {
            if (!a.value().isEmpty()) {
                byte[] n = utf8(a.stored());
                byte[] v = utf8(a.value());
                writeLength(out, n.length);
                out.writeBytes(n);
                writeLength(out, v.length);
                out.writeBytes(v);
            }
        }
        byte[] canon = out.toByteArray();
        return SeriesHash.of(canon, 0, canon.length);
    }

    /** Adds one label through one of SeriesKey's entry points, chosen by {@code how}. */
    private static void add(SeriesKey key, Added a, int how, Random random) {
        byte[] n = utf8(a.name());
        byte[] v = utf8(a.value());
        switch (how) {
            case 0 -> key.add(a.name(), a.value());
            case 1 -> {
                // name and value inside one larger array, with bytes around them that must not be read
                int pad = random.nextInt(5);
                byte[] src = new byte[pad + n.length + 3 + v.length + 2];
                Arrays.fill(src, (byte) '#');
                System.arraycopy(n, 0, src, pad, n.length);
                System.arraycopy(v, 0, src, pad + n.length + 3, v.length);
                key.add(src, pad, n.length, pad + n.length + 3, v.length);
            }
            default -> {
                byte[] names = new byte[n.length + 2];
                byte[] values = new byte[v.length + 1];
                Arrays.fill(names, (byte) '!');
                Arrays.fill(values, (byte) '~');
                System.arraycopy(n, 0, names, 1, n.length);
                System.arraycopy(v, 0, values, 1, v.length);
                key.add(names, 1, n.length, values, 1, v.length);
            }
        }
    }

    private static List<Label> randomExtras(Random random) {
        List<Label> extras = new ArrayList<>();
        int count = random.nextInt(4) == 0 ? 0 : random.nextInt(4);
        for (int i = 0; i < count; i++) {
            String name = NAMES[1 + random.nextInt(NAMES.length - 2)]; // extra_label names are never empty
            extras.add(new Label(name, VALUES[random.nextInt(6)]));
        }
        return extras;
    }

    @Test
    void hashEqualsTheModelForRandomLabelSetsThroughEveryEntryPoint() {
        Random random = new Random(20261202);
        SeriesKey reused = new SeriesKey();
        for (int round = 0; round < 3_000; round++) {
            SeriesKey key = round % 3 == 0 ? new SeriesKey() : reused;
            key.reset();
            List<Label> extras = randomExtras(random);
            key.extraLabels(ExtraLabels.of(extras));
            int labels = random.nextInt(10) == 0 ? 33 + random.nextInt(70) : random.nextInt(8);
            List<Added> added = new ArrayList<>();
            long bytes = 0;
            int nonEmpty = 0;
            for (int i = 0; i < labels; i++) {
                boolean big = random.nextInt(40) == 0;
                String name = NAMES[random.nextInt(big ? NAMES.length : NAMES.length - 2)];
                String value = VALUES[random.nextInt(big ? VALUES.length : VALUES.length - 2)];
                int how = random.nextInt(5);
                Added a = new Added(name, value);
                if (how == 3) {
                    key.addMetricName(value);
                    a = new Added("__name__", value);
                    added.add(a);
                } else if (how == 4) {
                    key.addMetricNameFirst(value);
                    a = new Added("__name__", value);
                    added.add(0, a);
                } else {
                    add(key, a, how, random);
                    added.add(a);
                }
                bytes += utf8(a.stored()).length + utf8(value).length;
                nonEmpty += value.isEmpty() ? 0 : 1;
            }
            String what = "round " + round + ": " + added + " extras " + extras;
            assertEquals(bytes, key.sampleBytes(), what);
            assertEquals(nonEmpty + ExtraLabels.of(extras).size(), key.labelCount(), what);
            assertEquals(modelHash(added, extras), key.hash(), what);
        }
    }

    @Test
    void labelOrderDoesNotMatterButEveryNameAndValueDoes() {
        long ab = hashOf(List.of(new Added("a", "1"), new Added("b", "2")));
        assertEquals(ab, hashOf(List.of(new Added("b", "2"), new Added("a", "1"))));
        assertNotEquals(ab, hashOf(List.of(new Added("a", "2"), new Added("b", "1"))));
        assertNotEquals(ab, hashOf(List.of(new Added("a", "1"))));
        assertEquals(hashOf(List.of(new Added("a", "1"))), hashOf(List.of(new Added("a", "1"), new Added("c", ""))),
                "an empty value is no label");
    }

    @Test
    void lengthPrefixesKeepShiftedBoundariesApart() {
        assertNotEquals(hashOf(List.of(new Added("a", "bc"))), hashOf(List.of(new Added("ab", "c"))));
        // 128 bytes need a two-byte length: a one-byte 0x80 would read as the start of a longer length
        assertNotEquals(hashOf(List.of(new Added("a", "y".repeat(128)))), hashOf(List.of(new Added("a", "y".repeat(127)))));
    }

    @Test
    void repeatedNamesKeepTheirOrderAndExtraLabelsReplaceTheFirst() {
        long one = hashOf(List.of(new Added("a", "1"), new Added("a", "2")));
        assertNotEquals(one, hashOf(List.of(new Added("a", "2"), new Added("a", "1"))), "order of repeats is identity");
        SeriesKey key = new SeriesKey();
        key.extraLabels(ExtraLabels.of(List.of(new Label("a", "x"))));
        key.add("a", "1");
        key.add("a", "2");
        assertEquals(modelHash(List.of(new Added("a", "1"), new Added("a", "2")), List.of(new Label("a", "x"))), key.hash());
        key.reset();
        key.add("a", "9");
        key.add("a", "2");
        assertEquals(modelHash(List.of(new Added("a", "1"), new Added("a", "2")), List.of(new Label("a", "x"))), key.hash(),
                "the first a is replaced whatever its value");
    }

    @Test
    void theMetricNameAddedFirstPrecedesEarlierNameLabels() {
        SeriesKey key = new SeriesKey();
        key.add("__name__", "late");
        key.addMetricNameFirst("first");
        key.add("b", "1");
        assertEquals(modelHash(List.of(new Added("", "first"), new Added("__name__", "late"), new Added("b", "1")),
                List.of()), key.hash());
        assertNotEquals(modelHash(List.of(new Added("__name__", "late"), new Added("", "first"), new Added("b", "1")),
                List.of()), key.hash());
    }

    @Test
    void resetAndReleaseStartAnEmptySeries() {
        long empty = hashOf(List.of());
        SeriesKey key = new SeriesKey();
        key.add("a", "1");
        key.reset();
        assertEquals(empty, key.hash());
        assertEquals(0, key.labelCount());
        key.add("a", "1");
        key.release();
        assertEquals(empty, key.hash());
        assertEquals(0, key.sampleBytes());
        assertEquals(ExtraLabels.NONE, key.extraLabels());
        ExtraLabels team = ExtraLabels.of(List.of(new Label("team", "a")));
        key.extraLabels(team);
        assertEquals(team, key.extraLabels());
    }

    @Test
    void u0080IsWrittenAsUtf8NotAsOneByte() {
        SeriesKey key = new SeriesKey();
        key.add("a", "\u0080");
        SeriesKey raw = new SeriesKey();
        byte[] one = {'a', (byte) 0x80};
        raw.add(one, 0, 1, 1, 1);
        assertNotEquals(raw.hash(), key.hash());
        SeriesKey utf = new SeriesKey();
        byte[] two = {'a', (byte) 0xC2, (byte) 0x80};
        utf.add(two, 0, 1, 1, 2);
        assertEquals(utf.hash(), key.hash());
        assertEquals(3, key.sampleBytes());
    }

    private static long hashOf(List<Added> labels) {
        SeriesKey key = new SeriesKey();
        for (Added a : labels) {
            key.add(a.name(), a.value());
        }
        long h = key.hash();
        assertEquals(modelHash(labels, List.of()), h);
        return h;
    }
}

package io.tsgate.parity;

import java.util.Map;
import java.util.TreeMap;

/** Per-format tallies of a differential run: what tsgate allowed and refused (by reason) and what was stored. */
public final class ParityStats {
    private final Map<String, long[]> perFormat = new TreeMap<>();
    private final Map<String, Integer> refusals = new TreeMap<>();

    public void allowed(String format) {
        tally(format)[0]++;
    }

    public void refused(String format, String outcome) {
        tally(format)[1]++;
        refusals.merge(format + " " + outcome, 1, Integer::sum);
    }

    public void stored(String format, long rows) {
        tally(format)[2] += rows;
    }

    public long total() {
        return perFormat.values().stream().mapToLong(t -> t[0] + t[1]).sum();
    }

    public long storedRows() {
        return perFormat.values().stream().mapToLong(t -> t[2]).sum();
    }

    private long[] tally(String format) {
        return perFormat.computeIfAbsent(format, k -> new long[3]);
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder();
        perFormat.forEach((f, t) -> s.append(String.format("  %-12s allowed %5d  refused %5d  rows stored %6d%n",
                f, t[0], t[1], t[2])));
        refusals.forEach((k, n) -> s.append(String.format("    refused %5d  %s%n", n, k)));
        return s.toString();
    }
}

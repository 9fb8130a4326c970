package io.tsgate.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Raw flag texts after merging command line, environment and config file; typed, validated getters. */
public final class FlagValues {
    private final Map<String, List<String>> values;
    private final List<String> warnings;
    /** For flags whose value came from the {@code -config} file: "FILE:LINE:COLUMN" of that value. */
    private final Map<String, String> origins;

    FlagValues(Map<String, List<String>> values) {
        this(values, List.of(), Map.of());
    }

    FlagValues(Map<String, List<String>> values, List<String> warnings, Map<String, String> origins) {
        this.values = Map.copyOf(values);
        this.warnings = List.copyOf(warnings);
        this.origins = Map.copyOf(origins);
    }

    /** One line per vmgateway flag that was given and is ignored, saying what tsgate does instead; logged at start. */
    public List<String> warnings() {
        return warnings;
    }

    /**
     * {@code e} with the place in the {@code -config} file that set the flag it names ("-name: …"), so that a bad
     * value read from the file points at its line and column; {@code e} itself when the flag came from elsewhere.
     */
    ConfigException located(ConfigException e) {
        String m = e.getMessage();
        if (m == null || !m.startsWith("-")) {
            return e;
        }
        int end = 1;
        while (end < m.length() && m.charAt(end) != ':' && m.charAt(end) != ' ' && m.charAt(end) != '=') {
            end++;
        }
        String origin = origins.get(m.substring(1, end));
        return origin == null ? e : new ConfigException(m + " (set in -config " + origin + ")");
    }

    public boolean isSet(String name) {
        return values.containsKey(spec(name).name());
    }

    public String string(String name) {
        List<String> v = values.get(spec(name).name());
        return v == null ? spec(name).defaultValue() : v.get(v.size() - 1);
    }

    public boolean bool(String name) throws ConfigException {
        String v = string(name).trim();
        return switch (v.toLowerCase(java.util.Locale.ROOT)) {
            case "true", "1", "yes" -> true;
            case "false", "0", "no", "" -> false;
            default -> throw new ConfigException("-" + name + ": want true or false, got \"" + v + "\"");
        };
    }

    public int integer(String name) throws ConfigException {
        String v = string(name).trim();
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new ConfigException("-" + name + ": want an integer, got \"" + v + "\"");
        }
    }

    /**
     * A byte count that fits an int, read as VictoriaMetrics reads size flags ({@code lib/flagutil/bytes.go}): the
     * text is upper-cased (so {@code 8mib} is {@code 8MiB}), then {@code KB MB GB TB} multiply by powers of 1000 and
     * {@code KiB MiB GiB TiB} by powers of 1024; a fraction is truncated after multiplying ({@code 1.5KiB} = 1536).
     * Only plain decimal numbers are taken (Go would also read {@code Inf} or hex floats; those are refused).
     */
    public int size(String name) throws ConfigException {
        String v = string(name).trim();
        long n = Sizes.parse(v);
        if (n < 0 || n > Integer.MAX_VALUE) {
            throw new ConfigException("-" + name + ": want a byte count such as 8388608, 8MiB or 8MB (at most 2GiB), got \""
                    + v + "\"");
        }
        return (int) n;
    }

    public Duration duration(String name) throws ConfigException {
        String v = string(name);
        Duration d = Durations.parse(v);
        if (d == null) {
            throw new ConfigException("-" + name + ": want a duration such as 30s, 5m or 1h, got \"" + v + "\"");
        }
        return d;
    }

    /** All values of a list flag; commas separate values, empty items dropped. */
    public List<String> list(String name) {
        List<String> raw = values.get(spec(name).name());
        List<String> out = new ArrayList<>();
        for (String r : raw == null ? List.of(spec(name).defaultValue()) : raw) {
            for (String item : r.split(",")) {
                if (!item.isBlank()) {
                    out.add(item.trim());
                }
            }
        }
        return List.copyOf(out);
    }

    /** Raw values of a list flag without comma splitting (inline PEM keys hold no commas but may hold newlines). */
    public List<String> rawList(String name) {
        List<String> raw = values.get(spec(name).name());
        return raw == null ? List.of() : List.copyOf(raw);
    }

    private static FlagSpec spec(String name) {
        FlagSpec s = FlagCatalogue.find(name);
        if (s == null) {
            throw new IllegalArgumentException("no flag " + name + " in FlagCatalogue");
        }
        return s;
    }

    /** A duration that must be above zero. */
    public Duration positiveDuration(String name) throws ConfigException {
        Duration d = duration(name);
        if (d.isZero() || d.isNegative()) {
            throw new ConfigException("-" + name + ": must be positive");
        }
        return d;
    }

    /** An optional file that must be readable when given; null when the flag is empty. */
    public java.nio.file.Path readableFile(String name) throws ConfigException {
        String v = string(name).trim();
        if (v.isEmpty()) {
            return null;
        }
        java.nio.file.Path p = java.nio.file.Path.of(v);
        if (!java.nio.file.Files.isReadable(p)) {
            throw new ConfigException("-" + name + ": cannot read " + p);
        }
        return p;
    }

    /** An optional Redis URL: empty, or redis:// / rediss://. */
    public String redisUrl(String name) throws ConfigException {
        String v = string(name).trim();
        if (!v.isEmpty() && !v.startsWith("redis://") && !v.startsWith("rediss://")) {
            throw new ConfigException("-" + name + ": want redis://host:port or rediss://host:port");
        }
        return v;
    }
}

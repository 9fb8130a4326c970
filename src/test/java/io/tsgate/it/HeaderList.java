package io.tsgate.it;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An ordered HTTP header multimap with lower-case names, behaving like Envoy's header map for the operations the
 * ext_authz filter uses: {@code setCopy}, {@code addCopy}, {@code appendCopy}, {@code remove}. Pseudo-headers
 * ({@code :path}, {@code :method}, {@code :authority}, {@code :scheme}) live here too and, like Envoy's inline
 * headers, never hold two entries: adding to one that exists comma-concatenates. Values are bytes, as in Envoy, held
 * one char per byte (ISO-8859-1), the way the HTTP/1 listener reads them.
 */
public final class HeaderList {

    private final List<Map.Entry<String, String>> entries = new ArrayList<>();

    /** Replaces every entry of {@code name} by one entry (Envoy {@code setCopy}). */
    public void set(String name, String value) {
        String key = lower(name);
        int at = indexOf(key);
        remove(key);
        entries.add(at < 0 ? entries.size() : Math.min(at, entries.size()), Map.entry(key, value));
    }

    /** Adds one more entry (Envoy {@code addCopy}); for a pseudo-header that exists, comma-concatenates instead. */
    public void add(String name, String value) {
        String key = lower(name);
        if (key.startsWith(":") && indexOf(key) >= 0) {
            appendToExisting(key, value);
            return;
        }
        entries.add(Map.entry(key, value));
    }

    /** Appends {@code ,value} to the first entry of {@code name} when it exists; returns false when it does not. */
    public boolean appendToExisting(String name, String value) {
        String key = lower(name);
        int at = indexOf(key);
        if (at < 0) {
            return false;
        }
        entries.set(at, Map.entry(key, entries.get(at).getValue() + "," + value));
        return true;
    }

    public void remove(String name) {
        String key = lower(name);
        entries.removeIf(e -> e.getKey().equals(key));
    }

    public boolean contains(String name) {
        return indexOf(lower(name)) >= 0;
    }

    /** The first value of {@code name}, or null. */
    public String first(String name) {
        int at = indexOf(lower(name));
        return at < 0 ? null : entries.get(at).getValue();
    }

    /** Every value of {@code name}, in order. */
    public List<String> all(String name) {
        String key = lower(name);
        return entries.stream().filter(e -> e.getKey().equals(key)).map(Map.Entry::getValue).toList();
    }

    /** A snapshot of all entries, in order. */
    public List<Map.Entry<String, String>> entries() {
        return List.copyOf(entries);
    }

    private int indexOf(String key) {
        for (int i = 0; i < entries.size(); i++) {
            if (entries.get(i).getKey().equals(key)) {
                return i;
            }
        }
        return -1;
    }

    private static String lower(String name) {
        return name.toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return entries.toString();
    }
}

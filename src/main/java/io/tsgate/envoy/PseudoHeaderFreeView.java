package io.tsgate.envoy;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * Envoy's {@code CheckRequest} header map, read in place as the request's headers: pseudo-headers ({@code :path},
 * {@code :authority} …) are hidden, no value is copied. The proto requires lower-case keys, which is what
 * {@code RequestAttributes} needs too, so a map that keeps that rule needs no per-request copy; {@link #over} returns
 * null for a map that breaks it (a sender with mixed-case or non-ASCII keys), and the caller copies and lower-cases.
 * The names are collected once, since walking the proto's map wraps every step in several iterators.
 */
final class PseudoHeaderFreeView extends AbstractMap<String, String> {
    private final Map<String, String> all;
    /** The non-pseudo names in the map's order: the first {@link #size} entries. */
    private final String[] names;
    private final int size;

    private PseudoHeaderFreeView(Map<String, String> all, String[] names, int size) {
        this.all = all;
        this.names = names;
        this.size = size;
    }

    /** A view of {@code all} without pseudo-headers, or null when a key is not lower-case ASCII. */
    static Map<String, String> over(Map<String, String> all) {
        String[] names = new String[all.size()];
        int n = 0;
        for (String key : all.keySet()) {
            if (!isLowerAscii(key)) {
                return null;
            }
            if (!isPseudo(key) && n < names.length) {
                names[n++] = key;
            }
        }
        return new PseudoHeaderFreeView(all, names, n);
    }

    private static boolean isLowerAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 0x80 || c >= 'A' && c <= 'Z') {
                return false;
            }
        }
        return true;
    }

    private static boolean isPseudo(String key) {
        return !key.isEmpty() && key.charAt(0) == ':';
    }

    @Override
    public String get(Object key) {
        return key instanceof String k && !isPseudo(k) ? all.get(k) : null;
    }

    @Override
    public boolean containsKey(Object key) {
        return key instanceof String k && !isPseudo(k) && all.containsKey(k);
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public Set<Entry<String, String>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public Iterator<Entry<String, String>> iterator() {
                Iterator<String> keys = new Names(names, size);
                return new Iterator<>() {
                    @Override
                    public boolean hasNext() {
                        return keys.hasNext();
                    }

                    @Override
                    public Entry<String, String> next() {
                        String k = keys.next();
                        return new SimpleImmutableEntry<>(k, all.get(k));
                    }
                };
            }

            @Override
            public int size() {
                return size;
            }
        };
    }

    @Override
    public Set<String> keySet() {
        return new AbstractSet<>() {
            @Override
            public Iterator<String> iterator() {
                return new Names(names, size);
            }

            @Override
            public int size() {
                return size;
            }

            @Override
            public boolean contains(Object o) {
                return containsKey(o);
            }
        };
    }

    /** Read-only iteration over the collected names. */
    private static final class Names implements Iterator<String> {
        private final String[] names;
        private final int size;
        private int next;

        Names(String[] names, int size) {
            this.names = names;
            this.size = size;
        }

        @Override
        public boolean hasNext() {
            return next < size;
        }

        @Override
        public String next() {
            if (next >= size) {
                throw new NoSuchElementException();
            }
            return names[next++];
        }
    }
}

package io.tsgate.envoy;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.function.Function;

/**
 * Envoy's {@code CheckRequest} header map, read in place as the request's headers: pseudo-headers ({@code :path},
 * {@code :authority} …) are hidden, nothing is copied. The proto requires lower-case keys, which is what
 * {@code RequestAttributes} needs too, so a map that keeps that rule needs no per-request copy; {@link #over} returns
 * null for a map that breaks it (a sender with mixed-case or non-ASCII keys), and the caller copies and lower-cases.
 */
final class PseudoHeaderFreeView extends AbstractMap<String, String> {
    private final Map<String, String> all;
    private final int size;

    private PseudoHeaderFreeView(Map<String, String> all, int size) {
        this.all = all;
        this.size = size;
    }

    /** A view of {@code all} without pseudo-headers, or null when a key is not lower-case ASCII. */
    static Map<String, String> over(Map<String, String> all) {
        int pseudo = 0;
        for (String key : all.keySet()) {
            if (!isLowerAscii(key)) {
                return null;
            }
            if (isPseudo(key)) {
                pseudo++;
            }
        }
        return new PseudoHeaderFreeView(all, all.size() - pseudo);
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
                return new Skipping<>(all.entrySet().iterator(), Entry::getKey);
            }

            @Override
            public int size() {
                return size;
            }
        };
    }

    /** Overridden so that walking the names (as the authorizer does) wraps no entry per header. */
    @Override
    public Set<String> keySet() {
        return new AbstractSet<>() {
            @Override
            public Iterator<String> iterator() {
                return new Skipping<>(all.keySet().iterator(), Function.identity());
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

    /** Iterates the underlying map's keys or entries, skipping pseudo-headers; read-only. */
    private static final class Skipping<T> implements Iterator<T> {
        private final Iterator<T> in;
        private final Function<T, String> keyOf;
        private T next;

        Skipping(Iterator<T> in, Function<T, String> keyOf) {
            this.in = in;
            this.keyOf = keyOf;
            advance();
        }

        private void advance() {
            next = null;
            while (in.hasNext()) {
                T t = in.next();
                if (!isPseudo(keyOf.apply(t))) {
                    next = t;
                    return;
                }
            }
        }

        @Override
        public boolean hasNext() {
            return next != null;
        }

        @Override
        public T next() {
            if (next == null) {
                throw new NoSuchElementException();
            }
            T t = next;
            advance();
            return t;
        }
    }
}

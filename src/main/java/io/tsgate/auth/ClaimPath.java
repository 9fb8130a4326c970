package io.tsgate.auth;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * A path into a token's claims as access rules write it: names joined by dots ({@code realm_access.roles}), a name
 * holding dots in brackets and quotes ({@code ["https://example.com/groups"]}). Arrays met on the way are entered
 * element by element, so {@code orgs.name} reads the {@code name} of every object in {@code orgs}, and a path
 * ending on an array yields each element.
 *
 * <p>Only strings, integral numbers and booleans yield a value (as their text); objects, null and fractional numbers
 * yield none. The walk is bounded: at most {@link #MAX_VALUES} values and {@link #MAX_NODES} visited nodes, past which
 * {@link #values} reports {@code null} ("too large"), and a rule reading it does not match. A token is at most
 * 32 KiB, so the bound only matters for rules that fan out over large arrays.
 *
 * @param segments the claim names from the root
 * @param text     the path as written, for messages
 */
public record ClaimPath(List<String> segments, String text) {
    static final int MAX_VALUES = 1024;
    static final int MAX_NODES = 4096;
    private static final int MAX_DEPTH = 8;

    public ClaimPath {
        segments = List.copyOf(segments);
    }

    /** Parses a path; an empty name, a bracket not closed or more than eight names is an error. */
    public static ClaimPath parse(String text) {
        List<String> out = new ArrayList<>();
        int i = 0;
        while (true) {
            if (i < text.length() && text.charAt(i) == '[') {
                int close = text.indexOf("\"]", i + 2);
                if (i + 1 >= text.length() || text.charAt(i + 1) != '"' || close < 0) {
                    throw new IllegalArgumentException("claim path " + text + ": a bracketed name is written [\"name\"]");
                }
                out.add(text.substring(i + 2, close));
                i = close + 2;
            } else {
                int dot = text.indexOf('.', i);
                int end = dot < 0 ? text.length() : dot;
                String name = text.substring(i, end);
                if (name.contains("[") || name.contains("]") || name.contains("\"")) {
                    throw new IllegalArgumentException("claim path " + text + ": brackets wrap a whole name: [\"a.b\"]");
                }
                out.add(name);
                i = end;
            }
            if (out.get(out.size() - 1).isEmpty()) {
                throw new IllegalArgumentException("claim path " + text + ": empty claim name");
            }
            if (i == text.length()) {
                break;
            }
            if (text.charAt(i) != '.' || i + 1 == text.length()) {
                throw new IllegalArgumentException("claim path " + text + ": names are separated by single dots");
            }
            i++;
        }
        if (out.size() > MAX_DEPTH) {
            throw new IllegalArgumentException("claim path " + text + ": deeper than " + MAX_DEPTH + " names");
        }
        return new ClaimPath(out, text);
    }

    /** The scalar values at this path, in document order; empty when absent; null when over the bounds. */
    public List<String> values(JsonNode claims) {
        List<JsonNode> level = List.of(claims);
        int visited = 0;
        for (String name : segments) {
            List<JsonNode> next = new ArrayList<>();
            for (JsonNode n : level) {
                JsonNode child = n.isObject() ? n.get(name) : null;
                if (child == null) {
                    continue;
                }
                if (child.isArray()) {
                    for (JsonNode e : child) {
                        next.add(e);
                    }
                    visited += child.size();
                } else {
                    next.add(child);
                }
                if (++visited > MAX_NODES) {
                    return null;
                }
            }
            // an array nested in an array is not entered: only objects go on to the next name, only scalars yield
            level = next;
        }
        List<String> out = new ArrayList<>();
        for (JsonNode n : level) {
            String v = scalar(n);
            if (v != null) {
                if (out.size() == MAX_VALUES) {
                    return null;
                }
                out.add(v);
            }
        }
        return out;
    }

    /**
     * True when walking the first {@code depth} names enters an array of more than one element (or exceeds the
     * bounds): values read below that point may come from different elements, so two paths sharing those names
     * cannot be matched independently.
     */
    boolean fansOut(JsonNode claims, int depth) {
        List<JsonNode> level = List.of(claims);
        int visited = 0;
        for (String name : segments.subList(0, Math.min(depth, segments.size()))) {
            List<JsonNode> next = new ArrayList<>();
            for (JsonNode n : level) {
                JsonNode child = n.isObject() ? n.get(name) : null;
                if (child == null) {
                    continue;
                }
                if (child.isArray() && child.size() > 1) {
                    return true;
                }
                if (child.isArray()) {
                    child.forEach(next::add);
                } else {
                    next.add(child);
                }
                if (++visited > MAX_NODES) {
                    return true;
                }
            }
            level = next;
        }
        return false;
    }

    private static String scalar(JsonNode n) {
        if (n.isTextual()) {
            return n.textValue();
        }
        if (n.isIntegralNumber() || n.isBoolean()) {
            return n.asText();
        }
        return null;
    }

    @Override
    public String toString() {
        return text;
    }
}

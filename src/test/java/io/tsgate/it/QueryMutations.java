package io.tsgate.it;

import io.envoyproxy.envoy.config.core.v3.QueryParameter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Envoy's handling of {@code query_parameters_to_set} / {@code query_parameters_to_remove}
 * ({@code Http::Utility::QueryParamsMulti}): the query of the current {@code :path} (after header mutations) is
 * parsed without percent-decoding into a map sorted by key; "set" replaces all values of a key with one value,
 * "remove" drops the key (case-sensitive, raw spelling), and the query is rebuilt in key order. So a path rewritten
 * this way loses repeated keys and its original parameter order.
 */
public final class QueryMutations {

    private QueryMutations() {
    }

    /** Returns {@code path} with the mutations applied, or {@code path} unchanged when there are none. */
    public static String apply(String path, List<QueryParameter> toSet, List<String> toRemove) {
        if (toSet.isEmpty() && toRemove.isEmpty()) {
            return path;
        }
        int q = path.indexOf('?');
        String base = q < 0 ? path : path.substring(0, q);
        TreeMap<String, List<String>> params = parse(q < 0 ? "" : path.substring(q + 1));
        for (QueryParameter p : toSet) {
            List<String> one = new ArrayList<>();
            one.add(p.getValue());
            params.put(p.getKey(), one);
        }
        for (String key : toRemove) {
            params.remove(key);
        }
        if (params.isEmpty()) {
            return base;
        }
        StringBuilder out = new StringBuilder(base);
        char sep = '?';
        for (Map.Entry<String, List<String>> e : params.entrySet()) {
            for (String value : e.getValue()) {
                out.append(sep).append(e.getKey()).append('=').append(value);
                sep = '&';
            }
        }
        return out.toString();
    }

    private static TreeMap<String, List<String>> parse(String query) {
        TreeMap<String, List<String>> params = new TreeMap<>();
        // Like Envoy's parseParameters: a trailing '&' ends parsing, an empty piece in between is an empty key.
        int start = 0;
        while (start < query.length()) {
            int end = query.indexOf('&', start);
            if (end < 0) {
                end = query.length();
            }
            String part = query.substring(start, end);
            start = end + 1;
            int eq = part.indexOf('=');
            String key = eq < 0 ? part : part.substring(0, eq);
            String value = eq < 0 ? "" : part.substring(eq + 1);
            params.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
        }
        return params;
    }
}

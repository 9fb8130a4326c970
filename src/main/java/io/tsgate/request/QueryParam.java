package io.tsgate.request;

import java.util.Objects;

/**
 * One decoded query-string or form parameter, kept in request order.
 *
 * <p>A list of these rather than a map, because VictoriaMetrics reads repeated keys ({@code extra_label},
 * {@code match[]}) and the order of a rewritten query must stay what the client sent.
 *
 * @param name  the decoded name (may be empty, as Go's {@code url.ParseQuery} keeps {@code =v} as name "")
 * @param value the decoded value; empty when the pair had no {@code =}
 */
public record QueryParam(String name, String value) {

    public QueryParam {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
    }
}

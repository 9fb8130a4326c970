package io.tsgate.parity;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One generated write request, exactly as a client sends it.
 *
 * @param seed    the run's seed; with {@code index} it regenerates this case alone
 * @param index   the case's number in the run
 * @param format  the grammar that drew it
 * @param path    the write endpoint
 * @param query   query arguments as sent ({@code name=value}, percent-encoded, repeats allowed)
 * @param headers request headers besides Host and Content-Length, in order (repeats allowed)
 * @param body    the body as sent (encoded)
 * @param recipe  the generator's choices, for failure messages
 */
public record WriteCase(long seed, int index, String format, String path, List<String> query, List<Map.Entry<String, String>> headers,
                        byte[] body, String recipe) {
    /** The label VictoriaMetrics adds to every sample of a case, as tsgate confines a token's writes. */
    public static final String CASE_LABEL = "tsgate_case";

    /** Path and query with {@code extra_label=tsgate_case=<caseValue>} appended, as tsgate's rewrite appends it. */
    public String target(String caseValue) {
        List<String> args = new ArrayList<>(query);
        args.add("extra_label=" + CASE_LABEL + "=" + caseValue);
        return path + "?" + String.join("&", args);
    }

    public List<String> headerValues(String name) {
        return headers.stream().filter(h -> h.getKey().equalsIgnoreCase(name)).map(Map.Entry::getValue).toList();
    }

    /** Everything needed to reproduce and minimise the case by hand. */
    public String describe() {
        return format + " case " + index + " (seed " + seed + "): POST " + target("<case>") + "\n  headers " + headers
                + "\n  recipe " + recipe + "\n  body (" + body.length + " bytes, Java) " + Bytes.javaLiteral(body)
                + "\n  body (printable):\n" + Bytes.printable(body);
    }
}

package io.tsgate.policy;

import io.tsgate.auth.Access;
import io.tsgate.request.Label;
import io.tsgate.request.QueryParam;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The query parameters through which VictoriaMetrics confines a request by labels. VictoriaMetrics reads
 * {@code extra_label}, {@code extra_filters} and {@code extra_filters[]}, ORs repeated filters together and decodes
 * percent-encoded names, so a client-supplied copy of any of them could widen a token's view: all are stripped
 * (names compared decoded and case-insensitively) before the token's own are appended.
 */
public final class LabelParams {
    private LabelParams() {
    }

    /** True for every spelling VictoriaMetrics reads as a label-confining parameter. */
    public static boolean isLabelParam(String decodedName) {
        String n = decodedName.toLowerCase(Locale.ROOT);
        return n.equals("extra_label") || n.equals("extra_label[]")
                || n.equals("extra_filters") || n.equals("extra_filters[]");
    }

    /** Client parameters without any label-confining ones, followed by the token's. */
    public static List<QueryParam> confine(List<QueryParam> client, Access access) {
        List<QueryParam> out = new ArrayList<>(client.size() + access.extraLabels().size() + access.extraFilters().size());
        for (QueryParam p : client) {
            if (!isLabelParam(p.name())) {
                out.add(p);
            }
        }
        for (Label l : access.extraLabels()) {
            out.add(new QueryParam("extra_label", l.name() + "=" + l.value()));
        }
        for (String f : access.extraFilters()) {
            out.add(new QueryParam("extra_filters[]", f));
        }
        return out;
    }
}

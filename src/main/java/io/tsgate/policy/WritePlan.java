package io.tsgate.policy;

import io.tsgate.ingest.ExtraLabels;
import io.tsgate.request.Tenant;
import io.tsgate.request.WriteFormat;
import java.util.Map;

/** What {@link WriteAdmission#plan} decides for a write's headers: let it pass, refuse it, or count its body. */
public sealed interface WritePlan {
    /** The body is not needed; {@code reason} is the skip reason of {@code tsgate_ext_proc_requests_total}. */
    record Pass(String reason) implements WritePlan {
    }

    /** The write is refused before its body is read. */
    record Refuse(Deny deny) implements WritePlan {
    }

    /**
     * The body must be read: counted and charged against the tenant's limits, or (when {@code charged} is false,
     * a tenant without write limits whose write is confined) only checked as its count reads it.
     *
     * @param args        the query arguments the body counter reads (the first of repeated ones, as VictoriaMetrics)
     * @param extraLabels the {@code extra_label}s the authorized path adds to every series
     */
    record Count(Tenant tenant, String subject, WriteFormat format, String contentEncoding, Map<String, String> args,
                 ExtraLabels extraLabels, boolean charged) implements WritePlan {
        public Count {
            args = Map.copyOf(args);
        }
    }
}

package io.tsgate.auth;

import io.tsgate.request.Tenant;
import java.util.List;
import java.util.Objects;

/**
 * What a credential grants on a VictoriaLogs-shaped backend (VictoriaLogs itself, or VictoriaTraces, which serves
 * the same LogsQL API over spans): the tenant tsgate sends as the {@code AccountID}/{@code ProjectID} headers and the
 * LogsQL filters it appends as {@code extra_filters} and {@code extra_stream_filters}. VictoriaLogs ANDs every such
 * argument into the query and into each of its subqueries, so each entry narrows what the token reads.
 *
 * @param tenant             the tenant the backend reads from the {@code AccountID}/{@code ProjectID} headers
 * @param extraFilters       LogsQL filters, each sent as one {@code extra_filters} argument, in claim order
 * @param extraStreamFilters stream filters, each sent as one {@code extra_stream_filters} argument, in claim order
 */
public record LogsGrant(Tenant tenant, List<String> extraFilters, List<String> extraStreamFilters) {
    public LogsGrant {
        Objects.requireNonNull(tenant, "tenant");
        extraFilters = List.copyOf(extraFilters);
        extraStreamFilters = List.copyOf(extraStreamFilters);
    }

    /** True when the grant narrows what may be read by filters: only endpoints that apply them are open to it. */
    public boolean confines() {
        return !extraFilters.isEmpty() || !extraStreamFilters.isEmpty();
    }
}

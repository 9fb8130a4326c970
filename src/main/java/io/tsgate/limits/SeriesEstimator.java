package io.tsgate.limits;

import io.tsgate.request.Tenant;
import java.util.Set;

/** Series estimates a backend can report per tenant, for the {@code tsgate_tenant_*_series} gauges. */
public interface SeriesEstimator {
    /** Tenants the backend holds series for. */
    Set<Tenant> tenants();

    /** Estimated distinct series written in the trailing hour. */
    long activeSeries(Tenant tenant);

    /** Estimated series of the current window of {@code resolution} not seen in the hour before it. */
    long newSeries(Tenant tenant, Resolution resolution);
}

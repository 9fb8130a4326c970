package io.tsgate.limits;

import io.tsgate.request.Tenant;
import java.util.Map;

/** Runs one instant PromQL query and returns a value per tenant (from the {@code account_id}/{@code project_id} labels). */
public interface UsageSource {
    /** Blocking; called from the background refresh only. */
    Map<Tenant, Double> query(String promql) throws Exception;
}

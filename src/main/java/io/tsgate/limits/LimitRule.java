package io.tsgate.limits;

import io.tsgate.request.Tenant;

/**
 * One entry of the limit file.
 *
 * @param tenant the tenant it is specific to, or null for the global entry every tenant gets
 */
public record LimitRule(LimitType type, long value, Resolution resolution, Tenant tenant) {
    public boolean global() {
        return tenant == null;
    }
}

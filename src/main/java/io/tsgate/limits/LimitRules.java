package io.tsgate.limits;

import io.tsgate.request.Tenant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One immutable snapshot of the limit file. A tenant gets the global entries, except that a tenant-specific entry
 * replaces the global one of the same type and resolution, as in vmgateway's limit file. The rules a tenant gets are worked out once
 * per tenant and snapshot, so the hot path only does a map lookup.
 */
public final class LimitRules {
    private static final LimitRule[] NONE = new LimitRule[0];

    private final List<LimitRule> all;
    private final List<LimitRule> global;
    private final Map<Tenant, List<LimitRule>> specific;
    private final Map<Tenant, TenantRules> resolved = new ConcurrentHashMap<>();

    private LimitRules(List<LimitRule> all) {
        this.all = List.copyOf(all);
        List<LimitRule> g = new ArrayList<>();
        Map<Tenant, List<LimitRule>> s = new HashMap<>();
        for (LimitRule r : all) {
            if (r.global()) {
                g.add(r);
            } else {
                s.computeIfAbsent(r.tenant(), t -> new ArrayList<>()).add(r);
            }
        }
        this.global = List.copyOf(g);
        this.specific = Map.copyOf(s);
    }

    public static LimitRules of(List<LimitRule> rules) {
        return new LimitRules(rules);
    }

    /** Every entry of the file, in file order. */
    public List<LimitRule> all() {
        return all;
    }

    public boolean isEmpty() {
        return all.isEmpty();
    }

    /** The rules of {@code type} that apply to {@code tenant} after overrides (at most one per resolution). */
    public LimitRule[] forTenant(Tenant tenant, LimitType type) {
        return tenantRules(tenant).byType.getOrDefault(type, NONE);
    }

    /** True when a rows or series rule applies to {@code tenant}. */
    public boolean countsWrites(Tenant tenant) {
        return tenantRules(tenant).countsWrites;
    }

    private TenantRules tenantRules(Tenant tenant) {
        TenantRules r = resolved.get(tenant);
        if (r == null) {
            r = resolve(tenant);
            // Bounded by the tenants that send requests; a reload drops the whole map with the snapshot.
            resolved.putIfAbsent(tenant, r);
        }
        return r;
    }

    private TenantRules resolve(Tenant tenant) {
        List<LimitRule> own = specific.getOrDefault(tenant, List.of());
        Map<LimitType, List<LimitRule>> by = new EnumMap<>(LimitType.class);
        for (LimitRule g : global) {
            boolean overridden = own.stream().anyMatch(o -> o.type() == g.type() && o.resolution() == g.resolution());
            if (!overridden) {
                by.computeIfAbsent(g.type(), t -> new ArrayList<>()).add(g);
            }
        }
        for (LimitRule o : own) {
            by.computeIfAbsent(o.type(), t -> new ArrayList<>()).add(o);
        }
        Map<LimitType, LimitRule[]> arrays = new EnumMap<>(LimitType.class);
        by.forEach((t, l) -> arrays.put(t, l.toArray(NONE)));
        boolean writes = arrays.keySet().stream().anyMatch(t -> t != LimitType.QUERIES);
        return new TenantRules(arrays, writes);
    }

    private record TenantRules(Map<LimitType, LimitRule[]> byType, boolean countsWrites) {
    }

    @Override
    public String toString() {
        return all.size() + " limits";
    }
}

package io.tsgate.request;

import java.util.Objects;

/**
 * A VictoriaMetrics API endpoint as tsgate classified it.
 *
 * <p>Classification happens on the path exactly as single-node VictoriaMetrics routes it; the canonical
 * {@link #path()} names the handler once, whatever alias or prefix the client used, so cluster rewriting and
 * metrics see one name per handler.
 *
 * @param path          the canonical single-node path without a {@code /prometheus} or {@code /graphite} prefix and
 *                      with aliases resolved (e.g. {@code /write} → {@code /influx/write}); variable parts such as the
 *                      label name of {@code /api/v1/label/<name>/values} are kept
 * @param requestClass  the access the endpoint needs
 * @param confinable    true only when VictoriaMetrics applies {@code extra_label}/{@code extra_filters} to this
 *                      endpoint so that its answer (reads) or the stored samples (writes) stay within those labels;
 *                      a token with label restrictions must not reach an endpoint where this is false
 * @param clusterPrefix what VictoriaMetrics cluster puts in front of {@link #path()}, with {@code {tenant}} standing
 *                      for {@code account:project} (e.g. {@code /select/{tenant}/prometheus}); null when the endpoint
 *                      has no tenant-scoped cluster route
 * @param writeFormat   the body format of a write endpoint (what ext_proc counts it as); null for reads and admin
 */
public record Endpoint(String path, RequestClass requestClass, boolean confinable, String clusterPrefix,
                       WriteFormat writeFormat) {

    /** The placeholder in {@link #clusterPrefix()} that {@link #clusterPath(Tenant)} replaces. */
    public static final String TENANT_PLACEHOLDER = "{tenant}";

    public Endpoint {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(requestClass, "requestClass");
        if (clusterPrefix != null && !clusterPrefix.contains(TENANT_PLACEHOLDER)) {
            throw new IllegalArgumentException("clusterPrefix must contain " + TENANT_PLACEHOLDER);
        }
        if ((requestClass == RequestClass.WRITE) != (writeFormat != null)) {
            throw new IllegalArgumentException("a write endpoint names its body format, and only a write endpoint");
        }
    }

    /** A read or admin endpoint: no body format. */
    public Endpoint(String path, RequestClass requestClass, boolean confinable, String clusterPrefix) {
        this(path, requestClass, confinable, clusterPrefix, null);
    }

    /**
     * The full VictoriaMetrics cluster path for the tenant, e.g. {@code /select/1:5/prometheus/api/v1/query}, or null
     * when VictoriaMetrics cluster has no tenant-scoped route for this endpoint (the caller must deny it).
     */
    public String clusterPath(Tenant tenant) {
        if (clusterPrefix == null) {
            return null;
        }
        return clusterPrefix.replace(TENANT_PLACEHOLDER, tenant.toString()) + path;
    }
}

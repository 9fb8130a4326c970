package io.tsgate.policy;

import io.tsgate.auth.Access;
import io.tsgate.request.Backend;
import io.tsgate.request.RequestClass;
import io.tsgate.request.Tenant;
import java.util.List;
import java.util.Map;

/**
 * The request may go on, rewritten.
 *
 * @param path   the complete path and query to forward (replaces {@code :path})
 * @param access what the credential allows (subject, key id for metadata and logs)
 * @param requestClass read, write or admin
 * @param removeHeaders lower-case request header names the proxy must strip (credential, tenant headers, x-tsgate-*)
 * @param setHeaders request headers the proxy must set, replacing any value the client sent (VictoriaLogs' and
 *                   VictoriaTraces' {@code AccountID}/{@code ProjectID}); never also in {@code removeHeaders}
 * @param tenant the tenant the request is confined to on its backend (for a metrics request, the token's metrics
 *               tenant; for logs and traces, the tenant of that grant)
 * @param backend the backend the data plane sends the request to
 */
public record Allow(String path, Access access, RequestClass requestClass, List<String> removeHeaders,
                    Map<String, String> setHeaders, Tenant tenant, Backend backend) implements Decision {
    public Allow {
        removeHeaders = List.copyOf(removeHeaders);
        setHeaders = Map.copyOf(setHeaders);
        for (String h : setHeaders.keySet()) {
            if (removeHeaders.contains(h.toLowerCase(java.util.Locale.ROOT))) {
                // Proxies differ in which they apply first; either way the value must arrive as set.
                throw new IllegalArgumentException(h + " is both set and removed");
            }
        }
    }

    /** A metrics request: no header to set, the token's metrics tenant. */
    public Allow(String path, Access access, RequestClass requestClass, List<String> removeHeaders) {
        this(path, access, requestClass, removeHeaders, Map.of(), access.tenant(), Backend.METRICS);
    }
}

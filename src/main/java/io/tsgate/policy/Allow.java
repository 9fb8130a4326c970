package io.tsgate.policy;

import io.tsgate.auth.Access;
import io.tsgate.request.RequestClass;

/**
 * The request may go on, rewritten.
 *
 * @param path   the complete path and query to forward (replaces {@code :path})
 * @param access what the credential allows (tenant, subject, key id for metadata and logs)
 * @param requestClass read, write or admin
 * @param removeHeaders lower-case request header names the proxy must strip (credential, tenant headers, x-tsgate-*)
 */
public record Allow(String path, Access access, RequestClass requestClass, java.util.List<String> removeHeaders)
        implements Decision {
    public Allow {
        removeHeaders = java.util.List.copyOf(removeHeaders);
    }
}

package io.tsgate.policy;

import io.tsgate.auth.Access;
import io.tsgate.request.RequestClass;

/**
 * Whether a credential's labels really confine what it writes. VictoriaMetrics applies {@code extra_label} to
 * ingested samples but ignores {@code extra_filters} on every write path (they are a query-time filter), so a grant
 * confined only by {@code extra_filters} would write any series it likes, e.g. another team's. Such a grant may read
 * (its filters confine reads) but not write. {@code -apikeys.nameLabel} does not count: it namespaces a key's data,
 * it does not carry out the grant's filters. The same rule holds for every source of {@link Access} (token claims in
 * either spelling, API keys).
 */
final class WriteConfinement {
    static final String REASON = "filters_do_not_confine_writes";

    private WriteConfinement() {
    }

    /** A 403 when {@code access} may not make a request of class {@code c} for want of confining labels, else null. */
    static Deny check(Access access, RequestClass c) {
        if (c != RequestClass.WRITE || access.extraFilters().isEmpty() || access.grantsOwnLabels()) {
            return null;
        }
        return Deny.of(403, REASON, "the credential is confined by extra_filters only, and VictoriaMetrics ignores "
                + "extra_filters on writes; add extra_labels to the token or API key so its writes are confined too");
    }
}

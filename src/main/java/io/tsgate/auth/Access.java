package io.tsgate.auth;

import io.tsgate.request.Label;
import io.tsgate.request.Tenant;
import java.time.Instant;
import java.util.List;

/**
 * What a verified credential allows. Built only by verifiers after the signature (or key hash) checked out.
 *
 * @param tenant       the tenant every request is confined to
 * @param extraLabels  labels injected as {@code extra_label}, in claim order
 * @param extraFilters series selectors injected as {@code extra_filters[]}, each one {@code {...}}
 * @param mode         what classes of request are allowed
 * @param subject      {@code sub} claim or API key name, for logs and metadata (may be empty)
 * @param keyId        id of the key that verified the credential (may be empty)
 * @param expiresAt    when the credential stops being valid (null: never, API keys without expires_at)
 * @param namespaceLabel the label {@code -apikeys.nameLabel} added (also in {@code extraLabels}), or null: kept
 *                       apart because it namespaces a key's data rather than expressing the grant's confinement
 * @param backends    which backends the grant reaches; {@code tenant}, {@code extraLabels} and {@code extraFilters}
 *                    describe the metrics part and mean nothing when {@link BackendGrants#metrics()} is false
 */
public record Access(Tenant tenant, List<Label> extraLabels, List<String> extraFilters, Mode mode,
                     String subject, String keyId, Instant expiresAt, Label namespaceLabel, BackendGrants backends) {
    public Access {
        backends = backends == null ? BackendGrants.METRICS_ONLY : backends;
        extraLabels = List.copyOf(extraLabels);
        extraFilters = List.copyOf(extraFilters);
        subject = subject == null ? "" : subject;
        keyId = keyId == null ? "" : keyId;
        if (namespaceLabel != null && !extraLabels.contains(namespaceLabel)) {
            throw new IllegalArgumentException("the namespace label must be one of the extra labels");
        }
    }

    /** A metrics-only grant, possibly with a namespace label (API keys). */
    public Access(Tenant tenant, List<Label> extraLabels, List<String> extraFilters, Mode mode,
                  String subject, String keyId, Instant expiresAt, Label namespaceLabel) {
        this(tenant, extraLabels, extraFilters, mode, subject, keyId, expiresAt, namespaceLabel,
                BackendGrants.METRICS_ONLY);
    }

    /** A metrics-only grant without a namespace label (API keys without {@code -apikeys.nameLabel}). */
    public Access(Tenant tenant, List<Label> extraLabels, List<String> extraFilters, Mode mode,
                  String subject, String keyId, Instant expiresAt) {
        this(tenant, extraLabels, extraFilters, mode, subject, keyId, expiresAt, null, BackendGrants.METRICS_ONLY);
    }

    /** The same grant reaching {@code b} instead. */
    public Access withBackends(BackendGrants b) {
        return new Access(tenant, extraLabels, extraFilters, mode, subject, keyId, expiresAt, namespaceLabel, b);
    }

    /** True when the grant itself carries an extra label, not counting the {@link #namespaceLabel}. */
    public boolean grantsOwnLabels() {
        for (Label l : extraLabels) {
            if (!l.equals(namespaceLabel)) {
                return true;
            }
        }
        return false;
    }

    /** The grant for a VictoriaLogs-shaped backend ({@code LOGS} or {@code TRACES}), or null when there is none. */
    public LogsGrant logsGrant(io.tsgate.request.Backend b) {
        return switch (b) {
            case LOGS -> backends.logs();
            case TRACES -> backends.traces();
            case METRICS -> null;
        };
    }

    /** True when the token confines what may be read or written by labels or filters. */
    public boolean restrictsLabels() {
        return !extraLabels.isEmpty() || !extraFilters.isEmpty();
    }
}

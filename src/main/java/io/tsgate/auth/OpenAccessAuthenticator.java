package io.tsgate.auth;

import io.tsgate.request.RequestAttributes;
import io.tsgate.request.Tenant;
import java.util.List;

/**
 * {@code -enable.auth=false}: every request gets full access to tenant 0:0, as vmgateway without auth, on every
 * backend (metrics, logs, traces).
 */
public final class OpenAccessAuthenticator implements Authenticator {
    private static final LogsGrant OPEN_LOGS = new LogsGrant(new Tenant(0, 0), List.of(), List.of());
    private static final Access OPEN = new Access(new Tenant(0, 0), List.of(), List.of(), Mode.FULL, "", "", null,
            null, new BackendGrants(true, OPEN_LOGS, OPEN_LOGS));
    private final String header;

    public OpenAccessAuthenticator(String headerName) {
        this.header = headerName.toLowerCase(java.util.Locale.ROOT);
    }

    @Override
    public Access authenticate(RequestAttributes request) {
        return OPEN;
    }

    @Override
    public String credentialHeader() {
        return header;
    }
}

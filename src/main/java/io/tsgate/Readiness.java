package io.tsgate;

import java.util.function.Supplier;

/**
 * Whether this process can decide now: the one answer behind {@code /ready} and gRPC health, free of transport types
 * so every listener reports the same. Ready means the credentials are in memory — JWKS and OIDC keys fetched once,
 * API keys from Redis read once (key files and the configuration were checked at start; tsgate does not start
 * half-configured, and a bad reload keeps the last good set). A rate-limit backend (Redis, the datasource) that is
 * down is deliberately not part of it: tsgate still decides every request, allowing uncounted under
 * {@code -ratelimit.failureMode=open} or answering 429 to limited tenants under {@code closed}, and reports the outage
 * in {@code tsgate_ratelimit_backend_up} and the log. Unreadiness would take the pod out of service, and with it
 * VictoriaMetrics in the sidecar layout, for an outage that does not stop tsgate deciding. Once shutting down, it is
 * unready for good, though it still decides for {@code -http.shutdownDelay}: that is how traffic is moved away first.
 */
public final class Readiness implements Supplier<String> {
    private final Supplier<String> credentials;
    private volatile boolean shuttingDown;

    /** @param credentials null when every credential source has loaded, else which has not */
    public Readiness(Supplier<String> credentials) {
        this.credentials = credentials;
    }

    /** Null when this process can decide and is not shutting down, else why not (one line, no secrets). */
    @Override
    public String get() {
        return shuttingDown ? "shutting down" : credentials.get();
    }

    /** From now on unready: the process is about to stop and wants no new traffic. */
    void shutDown() {
        shuttingDown = true;
    }
}

package io.tsgate;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tsgate.backends.RedisApiKeyLoader;
import io.tsgate.auth.ApiKeyAuthenticator;
import io.tsgate.auth.ApiKeyFileLoader;
import io.tsgate.auth.ApiKeyLoader;
import io.tsgate.auth.ApiKeyOrTokenAuthenticator;
import io.tsgate.auth.ApiKeyParser;
import io.tsgate.auth.ApiKeySync;
import io.tsgate.auth.Authenticator;
import io.tsgate.auth.CombinedKeySource;
import io.tsgate.auth.JwksKeySource;
import io.tsgate.auth.JwksSettings;
import io.tsgate.auth.KeySource;
import io.tsgate.config.ConfigException;
import io.tsgate.config.CredentialSourcesConfig;
import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Wires the credential sources of issue 4 — JWKS and OIDC discovery keys, API keys from a file or Redis — into
 * the gateway: background schedules, metrics and readiness. Everything here runs at start-up; the request path only
 * sees the resulting {@link KeySource} and {@link Authenticator}.
 */
final class CredentialWiring implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(CredentialWiring.class);
    private final CredentialSourcesConfig config;
    private final Clock clock;
    private final PrometheusRegistry registry;
    private final ScheduledExecutorService background;
    private final List<JwksKeySource> remote = new ArrayList<>();
    private ApiKeySync apiKeys;
    private RedisApiKeyLoader redis;
    /** JWKS fetches get their own thread: a slow identity provider must not delay API key syncs or key files. */
    private ScheduledExecutorService keyFetcher;
    /** Redis API key syncs, likewise. */
    private ScheduledExecutorService apiKeyFetcher;

    CredentialWiring(CredentialSourcesConfig config, Clock clock, PrometheusRegistry registry,
                     ScheduledExecutorService background) throws ConfigException {
        this.config = config;
        this.clock = clock;
        this.registry = registry;
        this.background = background;
        if (config.hasRemoteKeys()) {
            startRemoteKeys();
        }
        if (config.hasApiKeys()) {
            startApiKeys();
        }
    }

    /** The key files plus every JWKS source, as the JWT verifier's one key source. */
    KeySource keySource(KeySource files) {
        return new CombinedKeySource(files, remote, keyFetcher == null ? background : keyFetcher);
    }

    /** {@code tokens} (may be null) alone, or side by side with API keys when they are configured. */
    Authenticator authenticator(Authenticator tokens) {
        if (apiKeys == null) {
            return tokens;
        }
        return new ApiKeyOrTokenAuthenticator(new ApiKeyAuthenticator(config.apiKeyHeader(), apiKeys, clock), tokens);
    }

    /** Null when ready; else why not (JWKS keys or Redis API keys not loaded yet). */
    String notReady() {
        List<String> why = new ArrayList<>();
        for (JwksKeySource s : remote) {
            if (!s.loaded()) {
                why.add("keys from " + s.endpoint() + " not loaded");
            }
        }
        if (apiKeys != null && !apiKeys.loaded()) {
            why.add("API keys from " + apiKeys.source() + " not loaded");
        }
        return why.isEmpty() ? null : String.join("; ", why);
    }

    @Override
    public void close() {
        if (keyFetcher != null) {
            keyFetcher.shutdownNow();
        }
        if (apiKeyFetcher != null) {
            apiKeyFetcher.shutdownNow();
        }
        if (redis != null) {
            redis.close();
        }
    }

    private void startRemoteKeys() throws ConfigException {
        JwksSettings settings;
        try {
            settings = new JwksSettings(config.jwksRefreshInterval(), config.jwksMinRefreshInterval(),
                    config.jwksTimeout(), config.jwksCAFile() == null ? null : JwksSettings.trusting(config.jwksCAFile()));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("-auth.jwksTLSCAFile: " + e.getMessage());
        }
        for (URI u : config.jwksEndpoints()) {
            remote.add(JwksKeySource.jwks(u, settings, clock));
        }
        for (URI u : config.discoveryEndpoints()) {
            remote.add(JwksKeySource.discovery(u, settings, clock));
        }
        for (JwksKeySource s : remote) {
            if (s.endpoint().startsWith("http:")) {
                LOG.warn("keys from {} are fetched over plain http: whoever can alter that traffic can mint tokens", s.endpoint());
            }
        }
        long every = config.jwksMinRefreshInterval().toMillis();
        keyFetcher = DaemonScheduler.named("tsgate-jwks");
        for (JwksKeySource s : remote) {
            keyFetcher.scheduleWithFixedDelay(s::tick, 0, every, TimeUnit.MILLISECONDS);
        }
        GaugeWithCallback.builder().name("tsgate_auth_jwks_keys").help("Keys held from each JWKS or discovery endpoint")
                .labelNames("endpoint").callback(cb -> remote.forEach(s -> cb.call(s.keyCount(), s.endpoint())))
                .register(registry);
        GaugeWithCallback.builder().name("tsgate_auth_jwks_loaded")
                .help("1 once keys from the endpoint have been loaded (stays 1 through outages)").labelNames("endpoint")
                .callback(cb -> remote.forEach(s -> cb.call(s.loaded() ? 1 : 0, s.endpoint()))).register(registry);
        CounterWithCallback.builder().name("tsgate_auth_jwks_refresh_errors_total")
                .help("JWKS or discovery fetches that failed or returned no usable key (the last good keys stay in force)")
                .labelNames("endpoint").callback(cb -> remote.forEach(s -> cb.call(s.refreshErrors(), s.endpoint())))
                .register(registry);
        CounterWithCallback.builder().name("tsgate_auth_jwks_fetches_total")
                .help("Successful JWKS fetches from the endpoint").labelNames("endpoint")
                .callback(cb -> remote.forEach(s -> cb.call(s.fetches(), s.endpoint()))).register(registry);
        GaugeWithCallback.builder().name("tsgate_auth_jwks_key_age_seconds")
                .help("Seconds since the keys in force were fetched successfully (grows during an outage)")
                .labelNames("endpoint").callback(cb -> remote.forEach(s -> {
                    if (s.loaded()) {
                        cb.call(s.keyAgeSeconds(), s.endpoint());
                    }
                })).register(registry);
    }

    private void startApiKeys() throws ConfigException {
        ApiKeyParser parser = new ApiKeyParser(config.apiKeyNameLabel());
        ApiKeyLoader loader;
        String source;
        if (config.apiKeyFile() != null) {
            loader = new ApiKeyFileLoader(config.apiKeyFile(), parser);
            source = config.apiKeyFile().toString();
        } else {
            redis = new RedisApiKeyLoader(config.apiKeyRedisUrl(), config.apiKeyRedisKey(), parser,
                    java.time.Duration.ofSeconds(5));
            loader = redis;
            source = "Redis hash " + config.apiKeyRedisKey();
        }
        apiKeys = new ApiKeySync(loader, source, clock);
        if (config.apiKeyFile() != null) {
            String why = apiKeys.sync();
            if (why != null) {
                throw new ConfigException("-apikeys.file: " + why);
            }
        }
        long every = config.apiKeySyncInterval().toMillis();
        if (redis != null) {
            // Its own thread: an unreachable Redis blocks each sync for seconds.
            apiKeyFetcher = DaemonScheduler.named("tsgate-apikeys");
        }
        (redis != null ? apiKeyFetcher : background).scheduleWithFixedDelay(apiKeys::sync,
                config.apiKeyFile() != null ? every : 0, every, TimeUnit.MILLISECONDS);
        ApiKeySync sync = apiKeys;
        GaugeWithCallback.builder().name("tsgate_apikeys").help("API keys in force")
                .callback(cb -> cb.call(sync.current().size())).register(registry);
        CounterWithCallback.builder().name("tsgate_apikeys_sync_errors_total")
                .help("API key syncs that failed (unreadable or invalid source; the last good set stays in force)")
                .callback(cb -> cb.call(sync.errors())).register(registry);
        GaugeWithCallback.builder().name("tsgate_apikeys_last_sync_successful")
                .help("1 when the last API key sync succeeded").callback(cb -> cb.call(sync.lastSyncOk() ? 1 : 0))
                .register(registry);
        if (redis != null) {
            RedisApiKeyLoader r = redis;
            CounterWithCallback.builder().name("tsgate_apikeys_invalid_entries_total")
                    .help("Redis hash fields skipped as invalid").callback(cb -> cb.call(r.skippedEntries()))
                    .register(registry);
        }
    }
}

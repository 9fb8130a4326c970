package io.tsgate;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tsgate.auth.AccessRules;
import io.tsgate.auth.AccessRulesReloader;
import io.tsgate.auth.ApiKeyAuthenticator;
import io.tsgate.auth.ApiKeyFileLoader;
import io.tsgate.auth.ApiKeyLoader;
import io.tsgate.auth.ApiKeyOrTokenAuthenticator;
import io.tsgate.auth.ApiKeyParser;
import io.tsgate.auth.ApiKeySync;
import io.tsgate.auth.Authenticator;
import io.tsgate.auth.BearerTokenAuthenticator;
import io.tsgate.auth.CombinedKeySource;
import io.tsgate.auth.JwksKeySource;
import io.tsgate.auth.JwksSettings;
import io.tsgate.auth.JwtSettings;
import io.tsgate.auth.JwtVerifier;
import io.tsgate.auth.KeySource;
import io.tsgate.auth.OpenAccessAuthenticator;
import io.tsgate.auth.PemKeySource;
import io.tsgate.auth.SourceBinding;
import io.tsgate.backends.RedisApiKeyLoader;
import io.tsgate.config.ApiKeysConfig;
import io.tsgate.config.ConfigException;
import io.tsgate.config.GatewayConfig;
import io.tsgate.config.TokenKeysConfig;
import io.tsgate.reload.ReloadMetrics;
import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Wires every credential source into the one {@link Authenticator} the gateway asks for: key files and inline keys,
 * JWKS and OIDC discovery keys, API keys from a file or Redis, or open access when {@code -enable.auth=false}. It owns
 * their background schedules, metrics and readiness, and closes them. Everything here runs at start-up; the request
 * path only sees the resulting {@link Authenticator}.
 */
final class CredentialWiring implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(CredentialWiring.class);
    private final TokenKeysConfig tokenKeys;
    private final ApiKeysConfig apiKeyConfig;
    private final Clock clock;
    private final PrometheusRegistry registry;
    private final ScheduledExecutorService background;
    private final List<JwksKeySource> remote = new ArrayList<>();
    private final Authenticator authenticator;
    private ApiKeySync apiKeys;
    private RedisApiKeyLoader redis;
    /** JWKS fetches get their own thread: a slow identity provider must not delay API key syncs or key files. */
    private ScheduledExecutorService keyFetcher;
    /** Redis API key syncs, likewise. */
    private ScheduledExecutorService apiKeyFetcher;
    private final ReloadMetrics reloads;
    private AutoCloseable hangup;

    CredentialWiring(GatewayConfig config, Clock clock, PrometheusRegistry registry, ReloadMetrics reloads,
                     ScheduledExecutorService background) throws ConfigException {
        this.reloads = reloads;
        this.tokenKeys = config.tokenKeys();
        this.apiKeyConfig = config.apiKeys();
        this.clock = clock;
        this.registry = registry;
        this.background = background;
        if (!config.authEnabled()) {
            LOG.warn("-enable.auth=false: every request gets full access to tenant 0:0");
            authenticator = new OpenAccessAuthenticator(tokenKeys.header());
            return;
        }
        if (tokenKeys.hasRemoteKeys()) {
            startRemoteKeys();
        }
        if (apiKeyConfig.configured()) {
            startApiKeys();
        }
        Authenticator tokens = !tokenKeys.configured() ? null
                : new BearerTokenAuthenticator(tokenKeys.header(), verifier());
        authenticator = apiKeys == null ? tokens
                : new ApiKeyOrTokenAuthenticator(new ApiKeyAuthenticator(apiKeyConfig.header(), apiKeys, clock), tokens);
    }

    /** Tokens alone, API keys alone, or API keys beside tokens; open access when auth is off. */
    Authenticator authenticator() {
        return authenticator;
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
        if (hangup != null) {
            try {
                hangup.close();
            } catch (Exception e) {
                // removing a listener from a list does not fail
            }
        }
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

    /** Key files and inline keys, refreshed in the background, plus every JWKS source, behind one verifier. */
    private JwtVerifier verifier() throws ConfigException {
        JwtSettings settings = tokenKeys.jwtSettings();
        PemKeySource keys;
        try {
            keys = PemKeySource.load(settings);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
        if (tokenKeys.skipSignatureVerification()) {
            LOG.warn("-auth.insecureSkipSignatureVerification: token signatures are NOT checked; anyone can mint a token");
        }
        GaugeWithCallback.builder().name("tsgate_auth_signature_verification_disabled")
                .help("1 when -auth.insecureSkipSignatureVerification is set")
                .callback(cb -> cb.call(tokenKeys.skipSignatureVerification() ? 1 : 0)).register(registry);
        GaugeWithCallback.builder().name("tsgate_auth_keys").help("Verification keys and secrets currently loaded")
                .callback(cb -> cb.call(keys.keyCount())).register(registry);
        CounterWithCallback.builder().name("tsgate_auth_key_reload_errors_total")
                .help("Key or secret files that failed to load on a refresh (the last good keys stay in force)")
                .callback(cb -> cb.call(keys.reloadErrors())).register(registry);
        long every = tokenKeys.keyFilesCheckInterval().toMillis();
        background.scheduleWithFixedDelay(keys::refresh, every, every, TimeUnit.MILLISECONDS);
        KeySource all = new CombinedKeySource(keys, remote, keyFetcher == null ? background : keyFetcher);
        java.util.function.Supplier<AccessRules> rules = accessRules();
        JwtVerifier verifier = new JwtVerifier(settings, all, clock, tokenKeys.remoteIssuers(), rules,
                tokenKeys.accessRulesFirst());
        CounterWithCallback.builder().name("tsgate_token_cache_hits_total").help("Verified-token cache hits")
                .callback(cb -> cb.call(verifier.cacheHits())).register(registry);
        CounterWithCallback.builder().name("tsgate_token_cache_misses_total").help("Verified-token cache misses")
                .callback(cb -> cb.call(verifier.cacheMisses())).register(registry);
        return verifier;
    }

    /** {@code -auth.accessRules}, loaded now and reloaded on SIGHUP and every check interval; none: no rules. */
    private java.util.function.Supplier<AccessRules> accessRules() throws ConfigException {
        if (tokenKeys.accessRules() == null) {
            return () -> AccessRules.NONE;
        }
        AccessRulesReloader file;
        try {
            file = AccessRulesReloader.load(tokenKeys.accessRules(), clock, reloads);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
        long every = tokenKeys.accessRulesCheckInterval().toMillis();
        if (every > 0) {
            background.scheduleWithFixedDelay(file::reload, every, every, TimeUnit.MILLISECONDS);
        }
        hangup = HangupSignal.onHangup(() -> background.execute(file::reload));
        GaugeWithCallback.builder().name("tsgate_access_rules").help("Access rules in force (-auth.accessRules)")
                .callback(cb -> cb.call(file.get().size())).register(registry);
        return file;
    }

    private void startRemoteKeys() throws ConfigException {
        JwksSettings settings;
        try {
            settings = new JwksSettings(tokenKeys.jwksRefreshInterval(), tokenKeys.jwksMinRefreshInterval(),
                    tokenKeys.jwksTimeout(),
                    tokenKeys.jwksCAFile() == null ? null : JwksSettings.trusting(tokenKeys.jwksCAFile()));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("-auth.jwksTLSCAFile: " + e.getMessage());
        }
        SourceBinding global = new SourceBinding(tokenKeys.issuer(), tokenKeys.audience());
        for (URI u : tokenKeys.jwksEndpoints()) {
            remote.add(JwksKeySource.jwks(u, tokenKeys.bindingOf(u).orElse(global), settings, clock));
        }
        for (URI u : tokenKeys.discoveryEndpoints()) {
            remote.add(JwksKeySource.discovery(u, tokenKeys.bindingOf(u).orElse(global).audience(), settings, clock));
        }
        for (JwksKeySource s : remote) {
            if (s.endpoint().startsWith("http:")) {
                LOG.warn("keys from {} are fetched over plain http: whoever can alter that traffic can mint tokens", s.endpoint());
            }
        }
        long every = tokenKeys.jwksMinRefreshInterval().toMillis();
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
        ApiKeyParser parser = new ApiKeyParser(apiKeyConfig.nameLabel());
        ApiKeyLoader loader;
        String source;
        if (apiKeyConfig.file() != null) {
            loader = new ApiKeyFileLoader(apiKeyConfig.file(), parser);
            source = apiKeyConfig.file().toString();
        } else {
            redis = new RedisApiKeyLoader(apiKeyConfig.redisUrl(), apiKeyConfig.redisKey(), parser,
                    java.time.Duration.ofSeconds(5));
            loader = redis;
            source = "Redis hash " + apiKeyConfig.redisKey();
        }
        apiKeys = new ApiKeySync(loader, source, clock);
        if (apiKeyConfig.file() != null) {
            String why = apiKeys.sync();
            if (why != null) {
                throw new ConfigException("-apikeys.file: " + why);
            }
        }
        long every = apiKeyConfig.syncInterval().toMillis();
        if (redis != null) {
            // Its own thread: an unreachable Redis blocks each sync for seconds.
            apiKeyFetcher = DaemonScheduler.named("tsgate-apikeys");
        }
        (redis != null ? apiKeyFetcher : background).scheduleWithFixedDelay(apiKeys::sync,
                apiKeyConfig.file() != null ? every : 0, every, TimeUnit.MILLISECONDS);
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

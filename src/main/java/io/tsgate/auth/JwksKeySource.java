package io.tsgate.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.CachingJWKSetSource;
import com.nimbusds.jose.jwk.source.JWKSetBasedJWKSource;
import com.nimbusds.jose.jwk.source.JWKSetCacheRefreshEvaluator;
import com.nimbusds.jose.jwk.source.JWKSetSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.jwk.source.OutageTolerantJWKSetSource;
import com.nimbusds.jose.jwk.source.RateLimitReachedException;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jose.util.ResourceRetriever;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URI;
import java.net.URL;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keys from one JWKS endpoint ({@code -auth.jwksEndpoints}) or one OpenID Connect discovery document
 * ({@code -auth.oidcDiscoveryEndpoints}, whose {@code jwks_uri} is then fetched the same way).
 *
 * <p>Fetching is nimbus's {@link JWKSourceBuilder} chain — cache (time to live {@code refreshInterval}), rate limit
 * ({@code minRefreshInterval}: nimbus allows two fetches per interval, one for the periodic refresh and one for an
 * unknown {@code kid}) and outage tolerance (the last fetched set is served while the endpoint fails) — but it is
 * only ever driven from background threads: {@link #tick} by the scheduler every {@code minRefreshInterval} (a
 * fetch happens when the cache expired, or each tick until the first load), and {@link #requestRefresh} hands a
 * forced re-fetch to an executor. nimbus's refresh-ahead is not used: it is triggered by reads near expiry, and
 * the request path never reads nimbus; the periodic tick is what refreshes keys before anyone needs them.
 *
 * <p>The request path only reads {@link #keySet()}, an immutable snapshot replaced when the fetched keys change.
 * A failed fetch, an unparsable document or a set without usable keys keeps the last good snapshot and counts a
 * refresh error. All time comes from the injected clock.
 */
public final class JwksKeySource implements KeySource {
    private static final Logger log = LoggerFactory.getLogger(JwksKeySource.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** nimbus's outage cache lives this long; tsgate keeps its own last good snapshot indefinitely anyway. */
    private static final long OUTAGE_TOLERANCE_MILLIS = Duration.ofDays(3650).toMillis();

    private final URI endpoint;
    private final boolean discovery;
    /** For a discovery source: the audience only; its issuer comes from the document. */
    private final SourceBinding configured;
    private final JwksSettings settings;
    private final ResourceRetriever retriever;
    private final Clock clock;
    private final String label;
    private final AtomicLong lastRequestMillis;
    private final AtomicLong refreshErrors = new AtomicLong();
    private final AtomicLong fetches = new AtomicLong();
    private volatile KeySet current = KeySet.EMPTY;
    private volatile boolean loaded;
    private volatile long lastFetchMillis;

    // guarded by this: only background threads get here
    private JWKSetSource<SecurityContext> chain;
    private List<JWK> lastKeys;
    /** The binding keys get: the configured one, with a discovery document's issuer once read. */
    private SourceBinding binding;
    private boolean outageSeen;
    private boolean fetched;

    JwksKeySource(URI endpoint, boolean discovery, JwksSettings settings, ResourceRetriever retriever, Clock clock) {
        this(endpoint, discovery, SourceBinding.NONE, settings, retriever, clock);
    }

    JwksKeySource(URI endpoint, boolean discovery, SourceBinding binding, JwksSettings settings,
                  ResourceRetriever retriever, Clock clock) {
        this.endpoint = endpoint;
        this.discovery = discovery;
        this.configured = binding == null ? SourceBinding.NONE : binding;
        this.binding = this.configured;
        if (discovery && !configured.issuer().isEmpty()) {
            throw new IllegalArgumentException("a discovery endpoint takes its issuer from the document, not from the flag");
        }
        this.settings = settings;
        this.retriever = retriever;
        this.clock = clock;
        this.label = label(endpoint);
        this.lastRequestMillis = new AtomicLong(clock.millis() - settings.minRefreshInterval().toMillis() - 1);
    }

    /** A source for a JWKS URL fetched over HTTP(S) with the settings' timeout and TLS trust; no binding. */
    public static JwksKeySource jwks(URI endpoint, JwksSettings settings, Clock clock) {
        return jwks(endpoint, SourceBinding.NONE, settings, clock);
    }

    /** A JWKS source whose keys verify only tokens of {@code binding}'s issuer and audience. */
    public static JwksKeySource jwks(URI endpoint, SourceBinding binding, JwksSettings settings, Clock clock) {
        return new JwksKeySource(endpoint, false, binding, settings, retriever(settings), clock);
    }

    /** A source for an OpenID Connect discovery document; its {@code jwks_uri} is resolved in the background. */
    public static JwksKeySource discovery(URI endpoint, JwksSettings settings, Clock clock) {
        return discovery(endpoint, "", settings, clock);
    }

    /**
     * A discovery source: its keys verify only tokens whose {@code iss} is the document's {@code issuer} (OpenID
     * Connect Discovery §4.3 / Core §3.1.3.7) and, when {@code audience} is not empty, whose {@code aud} holds it.
     */
    public static JwksKeySource discovery(URI endpoint, String audience, JwksSettings settings, Clock clock) {
        return new JwksKeySource(endpoint, true, new SourceBinding("", audience), settings, retriever(settings),
                clock);
    }

    private static ResourceRetriever retriever(JwksSettings s) {
        int timeout = (int) Math.min(Integer.MAX_VALUE, s.timeout().toMillis());
        return s.socketFactory() == null
                ? new DefaultResourceRetriever(timeout, timeout, JwksSettings.MAX_BODY_BYTES, true)
                : new DefaultResourceRetriever(timeout, timeout, JwksSettings.MAX_BODY_BYTES, true, s.socketFactory());
    }

    @Override
    public KeySet keySet() {
        return current;
    }

    /** The endpoint without query or user info, for logs, metrics and messages. */
    public String endpoint() {
        return label;
    }

    /** True once a key set has been loaded; stays true through later outages. */
    public boolean loaded() {
        return loaded;
    }

    public int keyCount() {
        return current.size();
    }

    /** Fetches that failed or returned nothing usable since start. */
    public long refreshErrors() {
        return refreshErrors.get();
    }

    /** Successful fetches since start (from the endpoint, not nimbus's cache). */
    public long fetches() {
        return fetches.get();
    }

    /** Seconds since the keys in force were last fetched successfully; NaN before the first load. */
    public double keyAgeSeconds() {
        return loaded ? (clock.millis() - lastFetchMillis) / 1000.0 : Double.NaN;
    }

    /** Background scheduler, every {@code minRefreshInterval}: fetches when nimbus's cache expired or nothing loaded. */
    public synchronized void tick() {
        refresh(JWKSetCacheRefreshEvaluator.noRefresh());
    }

    /** A forced re-fetch (unknown kid), as {@link #requestRefresh} schedules it. */
    synchronized void forceRefresh() {
        refresh(JWKSetCacheRefreshEvaluator.forceRefresh());
    }

    /**
     * Called on the request path for a token whose key is not in the set: hands one forced re-fetch to
     * {@code executor}, at most once per {@code minRefreshInterval}. Never blocks, never fetches itself.
     */
    public void requestRefresh(Executor executor) {
        long now = clock.millis();
        long last = lastRequestMillis.get();
        if (now - last <= settings.minRefreshInterval().toMillis() || !lastRequestMillis.compareAndSet(last, now)) {
            return;
        }
        try {
            executor.execute(this::forceRefresh);
        } catch (RejectedExecutionException e) {
            // shutting down
        }
    }

    private void refresh(JWKSetCacheRefreshEvaluator evaluator) {
        JWKSetSource<SecurityContext> source = chain();
        if (source == null) {
            return;
        }
        outageSeen = false;
        fetched = false;
        JWKSet set;
        try {
            set = source.getJWKSet(evaluator, clock.millis(), null);
        } catch (RateLimitReachedException e) {
            log.debug("JWKS {}: re-fetch skipped, rate limit (-auth.jwksMinRefreshInterval) reached", label);
            return;
        } catch (KeySourceException | RuntimeException e) {
            fail("cannot fetch keys: " + e.getMessage());
            return;
        }
        if (outageSeen) {
            fail("endpoint unavailable");
            return;
        }
        if (fetched) {
            apply(set);
        }
    }

    private void apply(JWKSet set) {
        List<JWK> keys = set.getKeys();
        if (keys.equals(lastKeys)) {
            fetches.incrementAndGet();
            lastFetchMillis = clock.millis();
            return;
        }
        List<VerificationKey> converted = JwkKeys.toKeys(keys, label,
                why -> log.warn("JWKS {}: skipping key {}", label, why));
        converted.replaceAll(k -> k.withBinding(binding));
        if (converted.isEmpty()) {
            fail("the key set holds no usable signing key (" + keys.size() + " key(s) skipped)");
            return;
        }
        lastKeys = keys;
        current = new KeySet(converted);
        fetches.incrementAndGet();
        lastFetchMillis = clock.millis();
        if (!loaded) {
            loaded = true;
        }
        log.info("JWKS {}: loaded {} key(s){}", label, converted.size(), converted.size() < keys.size()
                ? " (" + (keys.size() - converted.size()) + " skipped)" : "");
    }

    private void fail(String why) {
        refreshErrors.incrementAndGet();
        log.warn("JWKS {}: {}; {}", label, why, loaded ? "keeping the last good key set" : "no keys loaded yet");
    }

    private JWKSetSource<SecurityContext> chain() {
        if (chain != null) {
            return chain;
        }
        URL url;
        try {
            url = discovery ? jwksUriFromDiscovery() : endpoint.toURL();
        } catch (IOException | IllegalArgumentException e) {
            fail(discovery ? "cannot read the discovery document: " + e.getMessage() : e.getMessage());
            return null;
        }
        long ttl = Math.max(settings.refreshInterval().toMillis(), settings.minRefreshInterval().toMillis() + 1);
        JWKSourceBuilder<SecurityContext> builder = JWKSourceBuilder.create(url, retriever);
        JWKSetBasedJWKSource<SecurityContext> built = (JWKSetBasedJWKSource<SecurityContext>) builder
                .cache(ttl, settings.timeout().toMillis(), event -> {
                    if (event instanceof CachingJWKSetSource.RefreshCompletedEvent) {
                        fetched = true;
                    }
                })
                .refreshAheadCache(false)
                .rateLimited(settings.minRefreshInterval().toMillis(), null)
                .outageTolerant(OUTAGE_TOLERANCE_MILLIS, event -> {
                    if (event instanceof OutageTolerantJWKSetSource.OutageEvent) {
                        outageSeen = true;
                    }
                })
                .retrying(false)
                .build();
        chain = built.getJWKSetSource();
        return chain;
    }

    private URL jwksUriFromDiscovery() throws IOException {
        String body = retriever.retrieveResource(endpoint.toURL()).getContent();
        JsonNode doc = JSON.readTree(body);
        binding = new SourceBinding(discoveredIssuer(doc), configured.audience());
        JsonNode uri = doc == null ? null : doc.get("jwks_uri");
        if (uri == null || !uri.isTextual()) {
            throw new IllegalArgumentException("the discovery document has no jwks_uri");
        }
        URI jwks = URI.create(uri.textValue());
        if (!jwks.isAbsolute() || !(jwks.getScheme().equals("https") || jwks.getScheme().equals("http"))) {
            throw new IllegalArgumentException("jwks_uri is not an http(s) URL");
        }
        log.info("OIDC discovery {}: jwks_uri {}", label, label(jwks));
        try {
            return jwks.toURL();
        } catch (MalformedURLException e) {
            throw new IllegalArgumentException("jwks_uri is not a URL: " + e.getMessage(), e);
        }
    }

    /**
     * The document's {@code issuer}: required, since it is what this source's tokens must carry. A multi-tenant
     * document (issuer holding {@code {tenantid}}) signs tokens for every tenant of the provider; without an
     * audience any of them would pass, so such a source loads no keys until an audience is configured.
     */
    private String discoveredIssuer(JsonNode doc) {
        JsonNode iss = doc == null ? null : doc.get("issuer");
        if (iss == null || !iss.isTextual() || iss.textValue().isEmpty()) {
            throw new IllegalArgumentException("the discovery document has no issuer");
        }
        String issuer = iss.textValue();
        if (issuer.contains(SourceBinding.TENANT_PLACEHOLDER) && configured.audience().isEmpty()) {
            throw new IllegalArgumentException("the discovery document's issuer " + issuer + " is multi-tenant: any "
                    + "tenant's token would verify; set an audience (" + label + "|audience=… or -auth.audience)");
        }
        return issuer;
    }

    /** The issuer this source's keys are bound to (for a discovery source, empty until its document is read). */
    public String issuer() {
        synchronized (this) {
            return binding.issuer();
        }
    }

    private static String label(URI u) {
        return u.getScheme() + "://" + u.getHost() + (u.getPort() < 0 ? "" : ":" + u.getPort())
                + (u.getRawPath() == null ? "" : u.getRawPath());
    }

    @Override
    public String toString() {
        return "JwksKeySource[" + (discovery ? "discovery " : "") + label + "]";
    }
}

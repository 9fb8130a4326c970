package io.tsgate.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.nimbusds.jose.Header;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWEHeader;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.PlainHeader;
import com.nimbusds.jose.util.Base64URL;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * Verifies compact JWS tokens against a {@link KeySource} and turns their claims into {@link Access}.
 *
 * <p>Order of checks: size and shape (strict base64url segments, {@link CompactJwsShape}, checked on every cache miss
 * before any key is consulted, so altered spellings of a token are refused without a signature check) → header ({@code alg: none}, JWE, {@code crit}, algorithm) → key chosen by
 * {@code kid} and key type → signature → claims. Verified tokens are cached by the SHA-256 of the token (the token
 * itself is never kept) until their {@code exp}; a hit is re-checked against the injected clock and against the
 * current key snapshot, so neither expiry nor a key rotation is outlived by the cache. Rejections are not cached.
 *
 * <p>Thread-safe; the verification path does no I/O.
 */
public final class JwtVerifier implements TokenVerifier {
    /** Far above any real token (Envoy's default header limit is 60 KiB); bounds work done on garbage input. */
    static final int MAX_TOKEN_CHARS = 32 * 1024;

    private final KeySource keys;
    private final Clock clock;
    private final ClaimsParser claims;
    private final boolean skipSignature;
    /** Some source names an issuer (or is a discovery document): keys naming none stop taking every token. */
    private final boolean issuersConfigured;
    private final SourceBinding global;
    private final java.util.function.Supplier<AccessRules> rules;
    private final boolean rulesFirst;
    private final Cache<Sha256.Digest, Cached> cache;
    /**
     * The entry last read or written per slot (slot = low bits of the hash): a repeat of a recent token is answered
     * from here without the cache's bookkeeping (its expiry and eviction policy cost more than the rest of a hit).
     * Entries are immutable and checked exactly as cache entries are, so a stale one can only miss; at most
     * {@code min(cache size, 1024)} slots, so the bound on kept grants stays close to the cache's own.
     */
    private final Recent[] recent;
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();

    /**
     * What a cache entry remembers: the grant, and the key and rule snapshots it was decided with. {@code expiresAt}
     * is the grant's expiry in epoch milliseconds, rounded down: a hit compares it with {@link Clock#millis()}, which
     * costs less than an {@code Instant} per request and can only end a grant up to a millisecond early.
     */
    private record Cached(Access access, KeySet keys, AccessRules rules, long expiresAt) {
        Cached(Access access, KeySet keys, AccessRules rules) {
            this(access, keys, rules, epochMillisFloor(access.expiresAt()));
        }
    }

    private record Recent(Sha256.Digest hash, Cached cached) {
    }

    private static long epochMillisFloor(Instant t) {
        if (t == null) {
            return Long.MAX_VALUE;
        }
        try {
            return t.toEpochMilli(); // rounds down
        } catch (ArithmeticException e) {
            return t.isBefore(Instant.EPOCH) ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
    }

    /**
     * @param settings issuer, audience, clock skew, insecure mode and cache size are taken from here (key flags
     *                 are the key source's business)
     * @param keys     usually a {@link PemKeySource}; refreshed by its owner
     * @param clock    source of "now" for expiry checks
     */
    public JwtVerifier(JwtSettings settings, KeySource keys, Clock clock) {
        this(settings, keys, clock, false);
    }

    /**
     * @param remoteIssuers true when a JWKS or discovery source names an issuer; known from the configuration, so
     *                      that keys naming no issuer are restricted before those sources have loaded
     */
    public JwtVerifier(JwtSettings settings, KeySource keys, Clock clock, boolean remoteIssuers) {
        this(settings, keys, clock, remoteIssuers, () -> AccessRules.NONE, false);
    }

    /**
     * @param rules      the access rules in force, read on every verification; a new snapshot (a reload) makes
     *                   every cached decision stale, as a key change does
     * @param rulesFirst rules are consulted before a token's own {@code vm_access}
     */
    public JwtVerifier(JwtSettings settings, KeySource keys, Clock clock, boolean remoteIssuers,
                       java.util.function.Supplier<AccessRules> rules, boolean rulesFirst) {
        this.rules = rules;
        this.rulesFirst = rulesFirst;
        this.keys = keys;
        this.global = settings.globalBinding();
        this.issuersConfigured = remoteIssuers || !settings.issuer().isEmpty()
                || settings.fileBindings().values().stream().anyMatch(b -> !b.issuer().isEmpty());
        this.clock = clock;
        this.claims = new ClaimsParser(settings.issuer(), settings.audience(), settings.clockSkew());
        this.skipSignature = settings.skipSignatureVerification();
        this.cache = settings.cacheSize() == 0 ? null : Caffeine.newBuilder()
                .maximumSize(settings.cacheSize())
                .expireAfter(new UntilTokenExpiry(clock))
                .executor(Runnable::run)
                .build();
        this.recent = new Recent[Integer.highestOneBit((int) Math.max(1, Math.min(1024, settings.cacheSize())))];
    }

    @Override
    public Access verify(String token) throws CredentialRejectedException {
        if (token == null) {
            throw new CredentialRejectedException("malformed_token", "token is empty or too long");
        }
        return verify(token, 0, token.length());
    }

    @Override
    public Access verify(String text, int from, int to) throws CredentialRejectedException {
        if (to - from <= 0 || to - from > MAX_TOKEN_CHARS) {
            throw new CredentialRejectedException("malformed_token", "token is empty or too long");
        }
        KeySet keySet = keys.keySet();
        AccessRules ruleSet = rules.get();
        // a hit is answered from the hash of the header's chars: the token is copied out only on a miss
        Sha256.Digest hash = cache == null ? null : Sha256.of(text, from, to);
        int slot = hash == null ? 0 : (int) hash.a() & (recent.length - 1);
        if (hash != null) {
            Recent r = recent[slot];
            Cached c;
            if (r != null && r.hash().equals(hash)) {
                c = r.cached();
            } else {
                c = cache.getIfPresent(hash);
                if (c != null) {
                    recent[slot] = new Recent(hash, c);
                }
            }
            if (c != null && c.keys() == keySet && c.rules() == ruleSet && clock.millis() < c.expiresAt()) {
                hits.increment();
                return c.access();
            }
        }
        String token = from == 0 && to == text.length() ? text : text.substring(from, to);
        // Only on a miss: a cached token passed this when it was verified, and an altered spelling hashes apart, so
        // it misses and is refused here before any key is consulted (the scan costs a hit nothing).
        CompactJwsShape.check(token);
        if (hash != null) {
            misses.increment();
        }
        Access access = verifyUncached(token, keySet, ruleSet);
        if (hash != null) {
            Cached c = new Cached(access, keySet, ruleSet);
            cache.put(hash, c);
            recent[slot] = new Recent(hash, c);
        }
        return access;
    }

    /** Tokens answered from the cache since start. */
    public long cacheHits() {
        return hits.sum();
    }

    /** Tokens that had to be fully verified (including rejected ones) since start; 0 with the cache off. */
    public long cacheMisses() {
        return misses.sum();
    }

    /** Approximate number of cached tokens. */
    public long cachedTokens() {
        return cache == null ? 0 : cache.estimatedSize();
    }

    private Access verifyUncached(String token, KeySet keySet, AccessRules ruleSet)
            throws CredentialRejectedException {
        // shape already checked by verify: three strict base64url segments
        int dot1 = token.indexOf('.');
        int dot2 = token.indexOf('.', dot1 + 1);
        JWSHeader header = header(token.substring(0, dot1));
        // Read before the signature so that only keys of the token's own issuer are tried; nothing in it is
        // trusted until a key of that issuer verified the signature.
        JsonNode payload = ClaimsParser.readPayload(new Base64URL(token.substring(dot1 + 1, dot2)).decodeToString());
        if (skipSignature) {
            String keyId = header.getKeyID() == null ? "" : header.getKeyID();
            return claims.parse(payload, clock.instant(), keyId, global, ruleSet, rulesFirst);
        }
        byte[] signingInput = token.substring(0, dot2).getBytes(StandardCharsets.US_ASCII);
        VerificationKey key = checkSignature(header, signingInput, new Base64URL(token.substring(dot2 + 1)), keySet,
                payload);
        return claims.parse(payload, clock.instant(), key.kid().isEmpty() ? key.source() : key.kid(), key.binding(),
                ruleSet, rulesFirst);
    }

    /** Parses the header and applies every rule that needs no key. */
    private static JWSHeader header(String encoded) throws CredentialRejectedException {
        Header h;
        try {
            h = Header.parse(new Base64URL(encoded));
        } catch (ParseException | RuntimeException e) {
            throw new CredentialRejectedException("malformed_token", "token header is not valid");
        }
        if (h instanceof PlainHeader) {
            throw new CredentialRejectedException("alg_none", "unsigned tokens (alg: none) are not accepted");
        }
        if (h instanceof JWEHeader || !(h instanceof JWSHeader jws)) {
            throw new CredentialRejectedException("malformed_token", "encrypted tokens (JWE) are not accepted");
        }
        JWSAlgorithm alg = jws.getAlgorithm();
        if ("none".equalsIgnoreCase(alg.getName())) {
            throw new CredentialRejectedException("alg_none", "unsigned tokens (alg: none) are not accepted");
        }
        if (jws.getCriticalParams() != null && !jws.getCriticalParams().isEmpty()) {
            throw new CredentialRejectedException("crit_header", "token has critical header parameters (crit) tsgate does not understand");
        }
        if (KeyType.forAlgorithm(alg) == null) {
            throw new CredentialRejectedException("unsupported_alg", "token algorithm " + safe(alg.getName()) + " is not supported");
        }
        return jws;
    }

    /** Tries the candidate keys of the token's issuer; returns the key that verified the signature. */
    private VerificationKey checkSignature(JWSHeader header, byte[] signingInput, Base64URL signature, KeySet keySet,
                                           JsonNode payload) throws CredentialRejectedException {
        JWSAlgorithm alg = header.getAlgorithm();
        String kid = header.getKeyID();
        List<VerificationKey> candidates = keySet.candidates(alg, kid);
        if (candidates.isEmpty()) {
            keys.keyMissing();
            if (keySet.pending() != null) {
                throw new CredentialRejectedException("keys_not_loaded", "no key verifies this token yet: "
                        + keySet.pending() + "; retry shortly");
            }
            // no key of the token's type at all (e.g. HS256 against RSA keys only) is an algorithm we don't take;
            // keys of that type that exist under other kids mean the token's kid is unknown
            throw keySet.supports(alg)
                    ? new CredentialRejectedException("unknown_kid", "no configured key has the token's kid")
                    : new CredentialRejectedException("unsupported_alg", "no configured key verifies "
                            + alg.getName() + " tokens");
        }
        boolean issuerKnown = false;
        for (VerificationKey key : candidates) {
            if (!keySet.issuerFits(key, payload, issuersConfigured)) {
                continue;
            }
            issuerKnown = true;
            try {
                if (key.verifier().verify(header, signingInput, signature)) {
                    return key;
                }
            } catch (JOSEException | RuntimeException e) {
                // a malformed signature for this key type counts as a mismatch; try the next key
            }
        }
        if (!issuerKnown) {
            throw new CredentialRejectedException("bad_issuer", "no key of the token's issuer (iss) fits its alg and kid");
        }
        throw new CredentialRejectedException("bad_signature", "token signature does not verify");
    }

    /** Keeps client-controlled text out of messages when it is long or odd. */
    private static String safe(String s) {
        return s.length() <= 16 && s.chars().allMatch(c -> c > 32 && c < 127) ? s : "(unprintable)";
    }

    /** Cache entries live exactly until the token's {@code exp} as seen by the injected clock at insertion. */
    private record UntilTokenExpiry(Clock clock) implements Expiry<Sha256.Digest, Cached> {
        @Override
        public long expireAfterCreate(Sha256.Digest key, Cached value, long currentTime) {
            Duration left = Duration.between(clock.instant(), value.access().expiresAt());
            if (left.isNegative()) {
                return 0;
            }
            return left.compareTo(Duration.ofDays(365 * 100)) > 0 ? Duration.ofDays(365 * 100).toNanos() : left.toNanos();
        }

        @Override
        public long expireAfterUpdate(Sha256.Digest key, Cached value, long currentTime, long currentDuration) {
            return expireAfterCreate(key, value, currentTime);
        }

        @Override
        public long expireAfterRead(Sha256.Digest key, Cached value, long currentTime, long currentDuration) {
            return currentDuration;
        }
    }
}

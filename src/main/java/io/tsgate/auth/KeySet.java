package io.tsgate.auth;

import com.nimbusds.jose.JWSAlgorithm;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An immutable snapshot of verification keys, indexed for the verification path. Sources build a new one and swap
 * it in whole; {@link JwtVerifier} also uses the snapshot's identity to drop cached tokens after a key change.
 *
 * <p>Selection rule: a token with a {@code kid} is checked against the keys with that kid and, because inline
 * {@code -auth.publicKeys} have no name, against kid-less keys; a token without a {@code kid} is checked against
 * every key. In all cases only keys whose {@link VerificationKey#algorithms()} contain the token's {@code alg}.
 */
public final class KeySet {
    /** The empty key set: every signed token is rejected. */
    public static final KeySet EMPTY = new KeySet(List.of());

    private final List<VerificationKey> all;
    private final Map<String, List<VerificationKey>> byKid;
    private final List<VerificationKey> withoutKid;
    private final String pending;
    /** Distinct bindings that name an issuer, for the rule on keys that name none. */
    private final List<SourceBinding> issuerBindings;

    public KeySet(List<VerificationKey> keys) {
        this(keys, null);
    }

    /**
     * @param pending null when every configured source has loaded; else which sources have not loaded yet, said so
     *                that a client can be told (no secrets: endpoint URLs only)
     */
    public KeySet(List<VerificationKey> keys, String pending) {
        this.pending = pending;
        this.all = List.copyOf(keys);
        Map<String, List<VerificationKey>> index = new HashMap<>();
        List<VerificationKey> unnamed = new ArrayList<>();
        for (VerificationKey k : all) {
            if (k.kid().isEmpty()) {
                unnamed.add(k);
            } else {
                index.computeIfAbsent(k.kid(), x -> new ArrayList<>()).add(k);
            }
        }
        index.replaceAll((kid, list) -> List.copyOf(list));
        this.byKid = Map.copyOf(index);
        this.withoutKid = List.copyOf(unnamed);
        this.issuerBindings = all.stream().map(VerificationKey::binding).filter(b -> !b.issuer().isEmpty())
                .distinct().toList();
    }

    /** True when some key is bound to an issuer. */
    public boolean anyIssuerBound() {
        return !issuerBindings.isEmpty();
    }

    /**
     * Whether {@code key} may verify a token with these (not yet verified) claims: a key bound to an issuer only
     * tokens of that issuer; a key bound to none any token when no issuer is configured anywhere
     * ({@code issuersConfigured} false), else only tokens that carry an {@code iss} no bound key claims, so that a
     * token naming a configured issuer is checked by that issuer's keys alone.
     */
    public boolean issuerFits(VerificationKey key, com.fasterxml.jackson.databind.JsonNode claims,
                              boolean issuersConfigured) {
        if (!key.binding().issuer().isEmpty()) {
            return key.binding().acceptsIssuer(claims);
        }
        if (!issuersConfigured) {
            return true;
        }
        com.fasterxml.jackson.databind.JsonNode iss = claims.get("iss");
        if (iss == null || !iss.isTextual()) {
            return false;
        }
        for (SourceBinding b : issuerBindings) {
            if (b.acceptsIssuer(claims)) {
                return false;
            }
        }
        return true;
    }

    /** Null when every key source has loaded at least once; else a short text naming the ones still missing. */
    public String pending() {
        return pending;
    }

    /** Every key, in load order. */
    public List<VerificationKey> keys() {
        return all;
    }

    public int size() {
        return all.size();
    }

    /** True when some key carries this kid (whatever its type). */
    public boolean hasKid(String kid) {
        return byKid.containsKey(kid);
    }

    /** True when any key at all may verify {@code alg}. */
    public boolean supports(JWSAlgorithm alg) {
        for (VerificationKey k : all) {
            if (k.accepts(alg)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Keys to try for a token, in order; empty when none fits. Allocates only when a kid-named key and kid-less
     * keys both fit, which needs inline and file keys mixed.
     */
    public List<VerificationKey> candidates(JWSAlgorithm alg, String kid) {
        if (kid == null || kid.isEmpty()) {
            return filter(all, alg);
        }
        List<VerificationKey> named = filter(byKid.getOrDefault(kid, List.of()), alg);
        List<VerificationKey> unnamed = filter(withoutKid, alg);
        if (unnamed.isEmpty()) {
            return named;
        }
        if (named.isEmpty()) {
            return unnamed;
        }
        List<VerificationKey> both = new ArrayList<>(named);
        both.addAll(unnamed);
        return both;
    }

    /** A key set holding this one's keys followed by {@code other}'s; for combining PEM and JWKS sources. */
    public KeySet plus(KeySet other) {
        List<VerificationKey> merged = new ArrayList<>(all);
        merged.addAll(other.all);
        return new KeySet(merged);
    }

    private static List<VerificationKey> filter(List<VerificationKey> keys, JWSAlgorithm alg) {
        boolean allMatch = true;
        for (VerificationKey k : keys) {
            allMatch &= k.accepts(alg);
        }
        if (allMatch) {
            return keys;
        }
        List<VerificationKey> out = new ArrayList<>(keys.size());
        for (VerificationKey k : keys) {
            if (k.accepts(alg)) {
                out.add(k);
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return "KeySet" + all;
    }
}

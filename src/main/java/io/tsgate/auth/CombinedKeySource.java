package io.tsgate.auth;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * The key files ({@link PemKeySource}) and every JWKS/discovery source seen as one {@link KeySource}. The combined
 * snapshot is rebuilt only when a part's snapshot changed (compared by identity), so {@link #keySet()} returns the
 * same instance between key changes and allocates nothing on the request path.
 */
public final class CombinedKeySource implements KeySource {
    private final KeySource files;
    private final List<JwksKeySource> remote;
    private final Executor refresher;
    private volatile Combined combined;

    private record Combined(KeySet[] parts, KeySet keys) {
    }

    /**
     * @param files     key files and inline keys (may be {@link KeySet#EMPTY}'s source)
     * @param remote    JWKS and discovery sources
     * @param refresher where unknown-kid re-fetches run (the background scheduler); never the caller's thread
     */
    public CombinedKeySource(KeySource files, List<JwksKeySource> remote, Executor refresher) {
        this.files = files;
        this.remote = List.copyOf(remote);
        this.refresher = refresher;
        this.combined = combine(snapshotParts());
    }

    @Override
    public KeySet keySet() {
        Combined c = combined;
        KeySet[] parts = c.parts();
        if (parts[0] != files.keySet()) {
            return rebuild();
        }
        for (int i = 0; i < remote.size(); i++) {
            if (parts[i + 1] != remote.get(i).keySet()) {
                return rebuild();
            }
        }
        return c.keys();
    }

    @Override
    public void keyMissing() {
        for (JwksKeySource s : remote) {
            s.requestRefresh(refresher);
        }
    }

    /** Null when every remote source has loaded; else the endpoints still missing (for /ready). */
    public String pending() {
        return keySet().pending();
    }

    private KeySet rebuild() {
        Combined c = combine(snapshotParts());
        combined = c;
        return c.keys();
    }

    private KeySet[] snapshotParts() {
        KeySet[] parts = new KeySet[remote.size() + 1];
        parts[0] = files.keySet();
        for (int i = 0; i < remote.size(); i++) {
            parts[i + 1] = remote.get(i).keySet();
        }
        return parts;
    }

    private Combined combine(KeySet[] parts) {
        List<VerificationKey> all = new ArrayList<>(parts[0].keys());
        List<String> missing = new ArrayList<>();
        for (int i = 0; i < remote.size(); i++) {
            all.addAll(parts[i + 1].keys());
            // a source counts as loaded once its snapshot is non-empty: loaded() flips right after the swap
            if (!remote.get(i).loaded() && parts[i + 1].size() == 0) {
                missing.add(remote.get(i).endpoint());
            }
        }
        String pending = missing.isEmpty() ? null : "keys from " + String.join(", ", missing) + " are not loaded yet";
        return new Combined(parts, new KeySet(all, pending));
    }
}

package io.tsgate.auth;

import java.time.Clock;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The API keys in force: {@link #sync} (background, every {@code -apikeys.syncInterval}) reads the loader and swaps
 * in a new immutable {@link ApiKeySet}; a failing or invalid source keeps the last good set and counts an error,
 * the way key files and vmauth's config behave. The request path only reads {@link #current()}.
 */
public final class ApiKeySync {
    private static final Logger log = LoggerFactory.getLogger(ApiKeySync.class);

    private final ApiKeyLoader loader;
    private final String source;
    private final Clock clock;
    private final AtomicLong errors = new AtomicLong();
    private volatile ApiKeySet current = ApiKeySet.EMPTY;
    private volatile boolean loaded;
    private volatile boolean lastOk = true;
    private volatile long lastSuccessMillis;

    /** @param source names the source in logs and {@code /ready} (a file path or the Redis key, never a password) */
    public ApiKeySync(ApiKeyLoader loader, String source, Clock clock) {
        this.loader = loader;
        this.source = source;
        this.clock = clock;
    }

    public ApiKeySet current() {
        return current;
    }

    /** True once a set was loaded; stays true through later failures. */
    public boolean loaded() {
        return loaded;
    }

    public String source() {
        return source;
    }

    /** Syncs that failed since start. */
    public long errors() {
        return errors.get();
    }

    /** False when the last sync failed (the previous set stays in force). */
    public boolean lastSyncOk() {
        return lastOk;
    }

    /** Seconds since the set in force was last read successfully; NaN before the first load. */
    public double ageSeconds() {
        return loaded ? (clock.millis() - lastSuccessMillis) / 1000.0 : Double.NaN;
    }

    /** Reads the source once; returns the error message, or null on success. Never throws. */
    public synchronized String sync() {
        List<ApiKeyEntry> entries;
        ApiKeySet next;
        try {
            entries = loader.load();
            next = new ApiKeySet(entries);
        } catch (Exception e) {
            errors.incrementAndGet();
            lastOk = false;
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            log.warn("API keys from {}: {}; {}", source, why, loaded ? "keeping the last good set ("
                    + current.size() + " keys)" : "no API keys loaded yet");
            return why;
        }
        if (!next.entries().equals(current.entries()) || !loaded) {
            log.info("API keys from {}: {} key(s) in force", source, next.size());
            current = next;
        }
        lastSuccessMillis = clock.millis();
        lastOk = true;
        loaded = true;
        return null;
    }
}

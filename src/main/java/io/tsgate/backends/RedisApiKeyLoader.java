package io.tsgate.backends;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.tsgate.auth.ApiKeyEntry;
import io.tsgate.auth.ApiKeyLoader;
import io.tsgate.auth.ApiKeyParser;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * API keys from one Redis hash ({@code -apikeys.redisKey}): field = key name, value = the entry as JSON, e.g.
 * {@code HSET tsgate:apikeys ingest '{"sha256":"…","tenant_id":{"account_id":1},"mode":2}'}. Read with one
 * {@code HGETALL} per sync on the background thread; Lettuce reconnects by itself.
 *
 * <p>Unlike a key file, hash fields are written independently, so one bad field does not hold back the others (a
 * revocation — {@code HDEL} — must take effect even while someone's entry is malformed): a bad field is skipped,
 * logged by name and counted. An unreachable Redis fails the whole sync, keeping the last good set.
 */
public final class RedisApiKeyLoader implements ApiKeyLoader, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RedisApiKeyLoader.class);

    private final RedisClient client;
    private final String key;
    private final ApiKeyParser parser;
    private final AtomicLong skipped = new AtomicLong();
    private StatefulRedisConnection<String, String> connection;

    public RedisApiKeyLoader(String redisUrl, String key, ApiKeyParser parser, Duration timeout) {
        RedisURI uri = RedisURI.create(redisUrl);
        uri.setTimeout(timeout);
        this.client = RedisClient.create(uri);
        // fail a sync at once while disconnected instead of queueing HGETALL until the timeout
        client.setOptions(ClientOptions.builder()
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS).build());
        this.key = key;
        this.parser = parser;
    }

    @Override
    public synchronized List<ApiKeyEntry> load() throws Exception {
        Map<String, String> fields;
        try {
            if (connection == null) {
                connection = client.connect();
            }
            fields = connection.sync().hgetall(key);
        } catch (RuntimeException e) {
            throw new IllegalStateException("Redis hash " + key + ": " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : " " + e.getMessage()), e);
        }
        List<ApiKeyEntry> out = new ArrayList<>(fields.size());
        java.util.Set<String> hashes = new java.util.HashSet<>();
        for (Map.Entry<String, String> f : new TreeMap<>(fields).entrySet()) {
            try {
                ApiKeyEntry e = parser.parseJson(f.getKey(), f.getValue());
                if (!hashes.add(e.sha256Hex())) {
                    throw new IllegalArgumentException("entry " + e.name() + ": same sha256 as another entry");
                }
                out.add(e);
            } catch (IllegalArgumentException e) {
                skipped.incrementAndGet();
                log.warn("API keys from Redis hash {}: skipping field: {}", key, e.getMessage());
            }
        }
        return out;
    }

    /** Hash fields skipped as invalid since start. */
    public long skippedEntries() {
        return skipped.get();
    }

    @Override
    public synchronized void close() {
        if (connection != null) {
            connection.close();
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }

    @Override
    public String toString() {
        return "Redis hash " + key;
    }
}

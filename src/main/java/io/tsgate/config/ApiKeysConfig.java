package io.tsgate.config;

import java.nio.file.Path;
import java.time.Duration;

/**
 * API keys, validated.
 *
 * @param header       lower-case header carrying API keys
 * @param file         API key YAML file, or null
 * @param redisUrl     Redis URL of the API key hash, or empty; a secret (may hold a password), masked by toString
 * @param redisKey     name of that hash
 * @param syncInterval how often API keys are re-read
 * @param nameLabel    label name set to the key name on every API key request, or empty
 */
public record ApiKeysConfig(String header, Path file, String redisUrl, String redisKey, Duration syncInterval,
                            String nameLabel) {

    /** True when API keys come from a file or Redis. */
    public boolean configured() {
        return file != null || !redisUrl.isEmpty();
    }

    /** Never prints the Redis URL, which may hold a password. */
    @Override
    public String toString() {
        return "ApiKeysConfig[header=" + header + ", file=" + file + ", redis=" + (redisUrl.isEmpty() ? "off" : "****")
                + ", redisKey=" + redisKey + ", syncInterval=" + syncInterval + ", nameLabel=" + nameLabel + "]";
    }

    static ApiKeysConfig from(FlagValues f) throws ConfigException {
        String header = f.string("apikeys.httpHeader").trim();
        if (header.isEmpty() || !header.matches("[A-Za-z0-9-]+")) {
            throw new ConfigException("-apikeys.httpHeader: want an HTTP header name, got \"" + header + "\"");
        }
        if (header.equalsIgnoreCase(f.string("auth.httpHeader").trim())) {
            throw new ConfigException("-apikeys.httpHeader must differ from -auth.httpHeader (" + header + ")");
        }
        String redisUrl = f.redisUrl("apikeys.redisUrl");
        String redisKey = f.string("apikeys.redisKey").trim();
        if (!redisUrl.isEmpty() && redisKey.isEmpty()) {
            throw new ConfigException("-apikeys.redisKey must not be empty with -apikeys.redisUrl");
        }
        String keyFile = f.string("apikeys.file").trim();
        Path file = keyFile.isEmpty() ? null : Path.of(keyFile); // read (and checked) by the first sync
        if (file != null && !redisUrl.isEmpty()) {
            throw new ConfigException("-apikeys.file and -apikeys.redisUrl are alternatives; set one of them");
        }
        String nameLabel = f.string("apikeys.nameLabel").trim();
        if (!nameLabel.isEmpty() && !nameLabel.matches("[a-zA-Z_][a-zA-Z0-9_]*")) {
            throw new ConfigException("-apikeys.nameLabel: want a label name matching [a-zA-Z_][a-zA-Z0-9_]*, got \""
                    + nameLabel + "\"");
        }
        return new ApiKeysConfig(header.toLowerCase(java.util.Locale.ROOT), file, redisUrl, redisKey,
                f.positiveDuration("apikeys.syncInterval"), nameLabel);
    }
}

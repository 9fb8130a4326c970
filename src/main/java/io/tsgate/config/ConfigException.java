package io.tsgate.config;

/** A flag, environment variable or config-file key is wrong. The message is the one line a user sees. */
public final class ConfigException extends Exception {
    public ConfigException(String message) {
        super(message, null, false, false);
    }
}

package io.tsgate.config;

/**
 * One flag as a user sees it: name without dashes (vmgateway's dotted spelling), kind, default and help.
 *
 * @param secret the value is a credential: never printed back (help shows the default only when not secret)
 */
public record FlagSpec(String name, FlagKind kind, String defaultValue, String help, boolean secret) {
    public static FlagSpec of(String name, FlagKind kind, String defaultValue, String help) {
        return new FlagSpec(name, kind, defaultValue, help, false);
    }

    /** The environment variable read for this flag under {@code -envflag.enable}: dots become underscores. */
    public String envName(String prefix) {
        return prefix + name.replace('.', '_');
    }
}

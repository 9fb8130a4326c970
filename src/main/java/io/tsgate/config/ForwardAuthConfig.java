package io.tsgate.config;

/**
 * Settings of the HTTP forward-auth endpoints.
 *
 * @param proxyAppliesPath the proxy in front of {@code /authz/…} and {@code /authz-forwarded} forwards
 *                         {@code x-tsgate-path} as the request target; without it, allows whose rewrite carries the
 *                         confinement are refused
 */
public record ForwardAuthConfig(boolean proxyAppliesPath) {

    public static ForwardAuthConfig from(FlagValues f) throws ConfigException {
        return new ForwardAuthConfig(f.bool("forwardAuth.proxyAppliesPath"));
    }
}

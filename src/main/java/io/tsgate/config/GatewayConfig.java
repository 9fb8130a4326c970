package io.tsgate.config;

import java.util.Map;

/**
 * Everything tsgate needs to start, validated, as one record per concern. Built only by {@link #from}, so a config
 * that exists is usable.
 *
 * @param tls            null when {@code -tls} is off
 * @param metricsAuthKey {@code -metricsAuthKey}: what {@code /metrics} requires in its {@code authKey} query arg
 */
public record GatewayConfig(
        ListenAddress grpcListen,
        ListenAddress httpListen,
        boolean authEnabled,
        boolean clusterMode,
        TokenKeysConfig tokenKeys,
        ApiKeysConfig apiKeys,
        TlsConfig tls,
        Map<String, String> securityHeaders,
        int trustedProxyHops,
        LogConfig log,
        ForwardAuthConfig forwardAuth,
        HttpServerConfig httpServer,
        ShutdownConfig shutdown,
        IngestConfig ingest,
        CountingPoolConfig counting,
        LimitsConfig limits,
        AuthKey metricsAuthKey) {

    /** Validates every concern; an error about a flag set in the {@code -config} file names its line and column. */
    public static GatewayConfig from(FlagValues f) throws ConfigException {
        try {
            return validated(f);
        } catch (ConfigException e) {
            throw f.located(e);
        }
    }

    private static GatewayConfig validated(FlagValues f) throws ConfigException {
        boolean auth = f.bool("enable.auth");
        TokenKeysConfig tokenKeys = TokenKeysConfig.from(f);
        ApiKeysConfig apiKeys = ApiKeysConfig.from(f);
        TlsConfig tls = TlsConfig.from(f);
        if (auth && !tokenKeys.configured() && !apiKeys.configured()) {
            throw new ConfigException("-enable.auth needs keys: set -auth.publicKeyFiles, -auth.publicKeys, "
                    + "-auth.hmacSecretFiles, -auth.jwksEndpoints, -auth.oidcDiscoveryEndpoints, -apikeys.file or "
                    + "-apikeys.redisUrl (or, insecurely, -auth.insecureSkipSignatureVerification)");
        }
        int hops = f.integer("http.trustedProxyHops");
        if (hops < 0) {
            throw new ConfigException("-http.trustedProxyHops: must not be negative");
        }
        return new GatewayConfig(
                ListenAddress.parse("grpcListenAddr", f.string("grpcListenAddr")),
                ListenAddress.parse("httpListenAddr", f.string("httpListenAddr")),
                auth, f.bool("clusterMode"), tokenKeys, apiKeys, tls,
                securityHeaders(f), hops, LogConfig.from(f),
                ForwardAuthConfig.from(f),
                HttpServerConfig.from(f),
                ShutdownConfig.from(f),
                IngestConfig.from(f),
                CountingPoolConfig.from(f),
                LimitsConfig.from(f),
                AuthKey.from(f, "metricsAuthKey"));
    }

    private static Map<String, String> securityHeaders(FlagValues f) {
        Map<String, String> h = new java.util.LinkedHashMap<>();
        putIfSet(h, "strict-transport-security", f.string("http.header.hsts"));
        putIfSet(h, "content-security-policy", f.string("http.header.csp"));
        putIfSet(h, "x-frame-options", f.string("http.header.frameOptions"));
        return java.util.Collections.unmodifiableMap(h);
    }

    private static void putIfSet(Map<String, String> h, String name, String value) {
        if (!value.isBlank()) {
            h.put(name, value);
        }
    }
}

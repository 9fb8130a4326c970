package io.tsgate.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Everything tsgate needs to start, validated. Built only by {@link #from}, so a config that exists is usable.
 */
public record GatewayConfig(
        ListenAddress grpcListen,
        ListenAddress httpListen,
        boolean authEnabled,
        boolean clusterMode,
        String authHeader,
        List<String> publicKeysPem,
        List<Path> publicKeyFiles,
        List<Path> hmacSecretFiles,
        Duration keyFilesCheckInterval,
        String issuer,
        String audience,
        Duration clockSkew,
        int tokenCacheSize,
        boolean skipSignatureVerification,
        Map<String, String> securityHeaders,
        int trustedProxyHops,
        String loggerFormat,
        String loggerLevel,
        boolean accessLog,
        TlsFiles tls,
        ForwardAuthConfig forwardAuth,
        HttpServerConfig httpServer,
        ShutdownConfig shutdown,
        IngestConfig ingest,
        CountingPoolConfig counting,
        LimitsConfig limits,
        CredentialSourcesConfig credentialSources) {

    /** Certificate and key for -tls, or null when TLS is off. */
    public record TlsFiles(Path certFile, Path keyFile, String minVersion) {
    }

    public static GatewayConfig from(FlagValues f) throws ConfigException {
        boolean auth = f.bool("enable.auth");
        boolean skip = f.bool("auth.insecureSkipSignatureVerification");
        List<String> pems = f.rawList("auth.publicKeys");
        List<Path> keyFiles = f.list("auth.publicKeyFiles").stream().map(Path::of).toList();
        List<Path> hmacFiles = f.list("auth.hmacSecretFiles").stream().map(Path::of).toList();
        CredentialSourcesConfig sources = CredentialSourcesConfig.from(f);
        if (auth && !hasTokenKeys(skip, pems, keyFiles, hmacFiles, sources) && !sources.hasApiKeys()) {
            throw new ConfigException("-enable.auth needs keys: set -auth.publicKeyFiles, -auth.publicKeys, "
                    + "-auth.hmacSecretFiles, -auth.jwksEndpoints, -auth.oidcDiscoveryEndpoints, -apikeys.file or "
                    + "-apikeys.redisUrl (or, insecurely, -auth.insecureSkipSignatureVerification)");
        }
        int cache = f.integer("auth.tokenCacheSize");
        if (cache < 0) {
            throw new ConfigException("-auth.tokenCacheSize: must not be negative");
        }
        int hops = f.integer("http.trustedProxyHops");
        if (hops < 0) {
            throw new ConfigException("-http.trustedProxyHops: must not be negative");
        }
        String format = f.string("loggerFormat");
        if (!format.equals("default") && !format.equals("json")) {
            throw new ConfigException("-loggerFormat: want default or json, got \"" + format + "\"");
        }
        String level = f.string("loggerLevel").toUpperCase(java.util.Locale.ROOT);
        if (!List.of("DEBUG", "INFO", "WARN", "ERROR").contains(level)) {
            throw new ConfigException("-loggerLevel: want DEBUG, INFO, WARN or ERROR, got \"" + level + "\"");
        }
        String header = f.string("auth.httpHeader").trim();
        if (header.isEmpty() || !header.matches("[A-Za-z0-9-]+")) {
            throw new ConfigException("-auth.httpHeader: want an HTTP header name, got \"" + header + "\"");
        }
        Duration check = f.positiveDuration("auth.keyFilesCheckInterval");
        return new GatewayConfig(
                ListenAddress.parse("grpcListenAddr", f.string("grpcListenAddr")),
                ListenAddress.parse("httpListenAddr", f.string("httpListenAddr")),
                auth, f.bool("clusterMode"), header, pems, keyFiles, hmacFiles, check,
                f.string("auth.issuer"), f.string("auth.audience"), f.duration("auth.clockSkew"), cache, skip,
                securityHeaders(f), hops, format, level, f.bool("accessLog"), tls(f),
                ForwardAuthConfig.from(f),
                HttpServerConfig.from(f),
                ShutdownConfig.from(f),
                IngestConfig.from(f),
                CountingPoolConfig.from(f),
                LimitsConfig.from(f),
                sources);
    }

    /** Whether tokens can be verified: some key source is configured, or signatures are (insecurely) not checked. */
    public boolean hasTokenKeys() {
        return hasTokenKeys(skipSignatureVerification, publicKeysPem, publicKeyFiles, hmacSecretFiles, credentialSources);
    }

    private static boolean hasTokenKeys(boolean skip, List<String> pems, List<Path> keyFiles, List<Path> hmacFiles,
                                        CredentialSourcesConfig sources) {
        return skip || !pems.isEmpty() || !keyFiles.isEmpty() || !hmacFiles.isEmpty() || sources.hasRemoteKeys();
    }

    private static TlsFiles tls(FlagValues f) throws ConfigException {
        if (!f.bool("tls")) {
            return null;
        }
        String min = f.string("tlsMinVersion");
        if (!min.equals("TLS12") && !min.equals("TLS13")) {
            throw new ConfigException("-tlsMinVersion: want TLS12 or TLS13, got \"" + min + "\"");
        }
        return new TlsFiles(readableFile(f, "tlsCertFile"), readableFile(f, "tlsKeyFile"), min);
    }

    private static Path readableFile(FlagValues f, String flag) throws ConfigException {
        String v = f.string(flag);
        if (v.isEmpty()) {
            throw new ConfigException("-tls needs -" + flag);
        }
        Path p = Path.of(v);
        if (!java.nio.file.Files.isReadable(p)) {
            throw new ConfigException("-" + flag + ": cannot read " + p);
        }
        return p;
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

package io.tsgate.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Remote key sources, API keys and the gRPC client CA (issue 4), validated.
 *
 * @param jwksEndpoints          {@code -auth.jwksEndpoints}
 * @param discoveryEndpoints     {@code -auth.oidcDiscoveryEndpoints}
 * @param jwksRefreshInterval    periodic JWKS re-fetch
 * @param jwksMinRefreshInterval bound on unknown-kid re-fetches, retry interval before the first load
 * @param jwksTimeout            connect and read timeout of one fetch
 * @param jwksCAFile             CA bundle for https endpoints, or null for the JVM default trust store
 * @param apiKeyHeader           lower-case header carrying API keys
 * @param apiKeyFile             API key YAML file, or null
 * @param apiKeyRedisUrl         Redis URL of the API key hash, or empty
 * @param apiKeyRedisKey         name of that hash
 * @param apiKeySyncInterval     how often API keys are re-read
 * @param apiKeyNameLabel        label name set to the key name on every API key request, or empty
 * @param grpcClientCAFile       {@code -tlsCAFile}: CA that client certificates of the gRPC listener must chain to, or null
 */
public record CredentialSourcesConfig(List<URI> jwksEndpoints, List<URI> discoveryEndpoints,
                                      Duration jwksRefreshInterval, Duration jwksMinRefreshInterval,
                                      Duration jwksTimeout, Path jwksCAFile, String apiKeyHeader, Path apiKeyFile,
                                      String apiKeyRedisUrl, String apiKeyRedisKey, Duration apiKeySyncInterval,
                                      String apiKeyNameLabel, Path grpcClientCAFile) {

    /** True when any JWKS or discovery endpoint is configured. */
    public boolean hasRemoteKeys() {
        return !jwksEndpoints.isEmpty() || !discoveryEndpoints.isEmpty();
    }

    /** True when API keys come from a file or Redis. */
    public boolean hasApiKeys() {
        return apiKeyFile != null || !apiKeyRedisUrl.isEmpty();
    }

    /** Never prints the Redis URL, which may hold a password. */
    @Override
    public String toString() {
        return "CredentialSourcesConfig[jwks=" + jwksEndpoints + ", discovery=" + discoveryEndpoints + ", apiKeyFile="
                + apiKeyFile + ", redis=" + (apiKeyRedisUrl.isEmpty() ? "off" : "****") + ", grpcClientCA="
                + grpcClientCAFile + "]";
    }

    public static CredentialSourcesConfig from(FlagValues f) throws ConfigException {
        List<URI> jwks = urls(f, "auth.jwksEndpoints");
        List<URI> discovery = urls(f, "auth.oidcDiscoveryEndpoints");
        Duration refresh = f.positiveDuration("auth.jwksRefreshInterval");
        Duration min = f.positiveDuration("auth.jwksMinRefreshInterval");
        if (min.compareTo(refresh) > 0) {
            throw new ConfigException("-auth.jwksMinRefreshInterval (" + f.string("auth.jwksMinRefreshInterval")
                    + ") must not exceed -auth.jwksRefreshInterval (" + f.string("auth.jwksRefreshInterval") + ")");
        }
        Duration timeout = f.positiveDuration("auth.jwksTimeout");
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
        Path apiKeyFile = keyFile.isEmpty() ? null : Path.of(keyFile); // read (and checked) by the first sync
        if (apiKeyFile != null && !redisUrl.isEmpty()) {
            throw new ConfigException("-apikeys.file and -apikeys.redisUrl are alternatives; set one of them");
        }
        String nameLabel = f.string("apikeys.nameLabel").trim();
        if (!nameLabel.isEmpty() && !nameLabel.matches("[a-zA-Z_][a-zA-Z0-9_]*")) {
            throw new ConfigException("-apikeys.nameLabel: want a label name matching [a-zA-Z_][a-zA-Z0-9_]*, got \""
                    + nameLabel + "\"");
        }
        Path clientCa = f.readableFile("tlsCAFile");
        if (clientCa != null && !f.bool("tls")) {
            throw new ConfigException("-tlsCAFile needs -tls (client certificates are checked on the TLS gRPC listener)");
        }
        return new CredentialSourcesConfig(jwks, discovery, refresh, min, timeout,
                f.readableFile("auth.jwksTLSCAFile"), header.toLowerCase(java.util.Locale.ROOT), apiKeyFile,
                redisUrl, redisKey, f.positiveDuration("apikeys.syncInterval"), nameLabel, clientCa);
    }

    private static List<URI> urls(FlagValues f, String flag) throws ConfigException {
        List<URI> out = new ArrayList<>();
        for (String s : f.list(flag)) {
            URI u;
            try {
                u = new URI(s);
            } catch (URISyntaxException e) {
                throw new ConfigException("-" + flag + ": not a URL: " + e.getMessage());
            }
            if (u.getScheme() == null || !(u.getScheme().equals("https") || u.getScheme().equals("http"))
                    || u.getHost() == null) {
                throw new ConfigException("-" + flag + ": want an http(s) URL, got \"" + s + "\"");
            }
            if (u.getRawUserInfo() != null) {
                throw new ConfigException("-" + flag + ": credentials in the URL are not supported");
            }
            out.add(u);
        }
        return List.copyOf(out);
    }
}

package io.tsgate.config;

import io.tsgate.auth.JwtSettings;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Where token verification keys come from and how a token is checked, validated.
 *
 * @param header                    {@code -auth.httpHeader}: the header carrying the bearer token
 * @param publicKeysPem             {@code -auth.publicKeys}
 * @param publicKeyFiles            {@code -auth.publicKeyFiles}
 * @param hmacSecretFiles           {@code -auth.hmacSecretFiles}
 * @param keyFilesCheckInterval     how often key and secret files are re-read
 * @param issuer                    required {@code iss}, or empty
 * @param audience                  required {@code aud} member, or empty
 * @param clockSkew                 tolerance for {@code exp}, {@code nbf} and {@code iat}
 * @param tokenCacheSize            verified tokens kept in memory
 * @param skipSignatureVerification {@code -auth.insecureSkipSignatureVerification}
 * @param jwksEndpoints             {@code -auth.jwksEndpoints}
 * @param discoveryEndpoints        {@code -auth.oidcDiscoveryEndpoints}
 * @param jwksRefreshInterval       periodic JWKS re-fetch
 * @param jwksMinRefreshInterval    bound on unknown-kid re-fetches, retry interval before the first load
 * @param jwksTimeout               connect and read timeout of one fetch
 * @param jwksCAFile                CA bundle for https endpoints, or null for the JVM default trust store
 */
public record TokenKeysConfig(String header, List<String> publicKeysPem, List<Path> publicKeyFiles,
                              List<Path> hmacSecretFiles, Duration keyFilesCheckInterval, String issuer,
                              String audience, Duration clockSkew, int tokenCacheSize,
                              boolean skipSignatureVerification, List<URI> jwksEndpoints,
                              List<URI> discoveryEndpoints, Duration jwksRefreshInterval,
                              Duration jwksMinRefreshInterval, Duration jwksTimeout, Path jwksCAFile) {

    /** True when any JWKS or discovery endpoint is configured. */
    public boolean hasRemoteKeys() {
        return !jwksEndpoints.isEmpty() || !discoveryEndpoints.isEmpty();
    }

    /** Whether tokens can be verified: some key source is configured, or signatures are (insecurely) not checked. */
    public boolean configured() {
        return skipSignatureVerification || !publicKeysPem.isEmpty() || !publicKeyFiles.isEmpty()
                || !hmacSecretFiles.isEmpty() || hasRemoteKeys();
    }

    /** What the JWT verifier and the key files need, as the auth package's own settings record. */
    public JwtSettings jwtSettings() {
        return new JwtSettings(publicKeysPem, publicKeyFiles, hmacSecretFiles, issuer, audience, clockSkew,
                skipSignatureVerification, tokenCacheSize);
    }

    /** The static key flags, then the remote key flags, each checked with a message naming it. */
    static TokenKeysConfig from(FlagValues f) throws ConfigException {
        List<URI> jwks = urls(f, "auth.jwksEndpoints");
        List<URI> discovery = urls(f, "auth.oidcDiscoveryEndpoints");
        Duration refresh = f.positiveDuration("auth.jwksRefreshInterval");
        Duration min = f.positiveDuration("auth.jwksMinRefreshInterval");
        if (min.compareTo(refresh) > 0) {
            throw new ConfigException("-auth.jwksMinRefreshInterval (" + f.string("auth.jwksMinRefreshInterval")
                    + ") must not exceed -auth.jwksRefreshInterval (" + f.string("auth.jwksRefreshInterval") + ")");
        }
        Duration timeout = f.positiveDuration("auth.jwksTimeout");
        Path ca = f.readableFile("auth.jwksTLSCAFile");
        int cache = f.integer("auth.tokenCacheSize");
        if (cache < 0) {
            throw new ConfigException("-auth.tokenCacheSize: must not be negative");
        }
        String header = f.string("auth.httpHeader").trim();
        if (header.isEmpty() || !header.matches("[A-Za-z0-9-]+")) {
            throw new ConfigException("-auth.httpHeader: want an HTTP header name, got \"" + header + "\"");
        }
        return new TokenKeysConfig(header, f.rawList("auth.publicKeys"),
                f.list("auth.publicKeyFiles").stream().map(Path::of).toList(),
                f.list("auth.hmacSecretFiles").stream().map(Path::of).toList(),
                f.positiveDuration("auth.keyFilesCheckInterval"), f.string("auth.issuer"), f.string("auth.audience"),
                f.duration("auth.clockSkew"), cache, f.bool("auth.insecureSkipSignatureVerification"), jwks, discovery,
                refresh, min, timeout, ca);
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

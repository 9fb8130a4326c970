package io.tsgate.config;

import io.tsgate.auth.JwtSettings;
import io.tsgate.auth.SourceBinding;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

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
 * @param accessRules               {@code -auth.accessRules}: rules granting access by claims, or null
 * @param accessRulesCheckInterval  how often that file is re-read (0: SIGHUP only)
 * @param accessRulesFirst          rules are consulted before a token's own {@code vm_access}
 * @param bindings                  issuer and audience per source, from {@code source|issuer=…|audience=…}
 *                                  entries, keyed by the source's URL or file path as written before the first
 *                                  {@code |}
 */
public record TokenKeysConfig(String header, List<String> publicKeysPem, List<Path> publicKeyFiles,
                              List<Path> hmacSecretFiles, Duration keyFilesCheckInterval, String issuer,
                              String audience, Duration clockSkew, int tokenCacheSize,
                              boolean skipSignatureVerification, List<URI> jwksEndpoints,
                              List<URI> discoveryEndpoints, Duration jwksRefreshInterval,
                              Duration jwksMinRefreshInterval, Duration jwksTimeout, Path jwksCAFile,
                              Path accessRules, Duration accessRulesCheckInterval, boolean accessRulesFirst,
                              Map<String, SourceBinding> bindings) {
    /** First path segments of Entra ID's endpoints that serve every tenant. */
    /** Entra paths serving many tenants' users: common, organizations, and consumers (every personal account). */
    private static final List<String> MULTI_TENANT_PATHS = List.of("common", "organizations", "consumers",
            "9188040d-6c67-4c5b-b112-36a304b66dad");
    /** Entra ID's sign-in hosts (public cloud, US government, China). */
    private static final List<String> ENTRA_HOSTS = List.of("login.microsoftonline.com", "login.microsoftonline.us",
            "login.chinacloudapi.cn", "login.partner.microsoftonline.cn");

    /** The binding a source was given (not merged with the global flags); {@link SourceBinding#NONE} if none. */
    public SourceBinding bindingOf(Object source) {
        return bindings.getOrDefault(source.toString(), SourceBinding.NONE);
    }

    /** True when a JWKS source names an issuer or any discovery source is configured (its document names one). */
    public boolean remoteIssuers() {
        return !discoveryEndpoints.isEmpty() || jwksEndpoints.stream()
                .anyMatch(u -> !bindingOf(u).orElse(new SourceBinding(issuer, audience)).issuer().isEmpty());
    }

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
        Map<Path, SourceBinding> files = new LinkedHashMap<>();
        for (Path p : publicKeyFiles) {
            files.put(p, bindingOf(p));
        }
        for (Path p : hmacSecretFiles) {
            files.put(p, bindingOf(p));
        }
        return new JwtSettings(publicKeysPem, publicKeyFiles, hmacSecretFiles, issuer, audience, clockSkew,
                skipSignatureVerification, tokenCacheSize, files);
    }

    /** The static key flags, then the remote key flags, each checked with a message naming it. */
    static TokenKeysConfig from(FlagValues f) throws ConfigException {
        Map<String, SourceBinding> bindings = new LinkedHashMap<>();
        List<URI> jwks = urls(f, "auth.jwksEndpoints", bindings);
        List<URI> discovery = urls(f, "auth.oidcDiscoveryEndpoints", bindings);
        List<Path> keyFiles = paths(f, "auth.publicKeyFiles", bindings);
        List<Path> secretFiles = paths(f, "auth.hmacSecretFiles", bindings);
        String globalAudience = f.string("auth.audience");
        for (URI u : discovery) {
            if (!bindings.getOrDefault(u.toString(), SourceBinding.NONE).issuer().isEmpty()) {
                throw new ConfigException("-auth.oidcDiscoveryEndpoints: " + u + ": issuer= is not accepted here, the"
                        + " discovery document's issuer is the one its tokens must carry; use -auth.jwksEndpoints"
                        + " with the jwks_uri to name another");
            }
        }
        requireAudienceForMultiTenant(jwks, "auth.jwksEndpoints", bindings, globalAudience);
        requireIssuerForSharedKeys(jwks, bindings, f.string("auth.issuer"));
        requireAudienceForMultiTenant(discovery, "auth.oidcDiscoveryEndpoints", bindings, globalAudience);
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
                keyFiles, secretFiles,
                f.positiveDuration("auth.keyFilesCheckInterval"), f.string("auth.issuer"), f.string("auth.audience"),
                f.duration("auth.clockSkew"), cache, f.bool("auth.insecureSkipSignatureVerification"), jwks, discovery,
                refresh, min, timeout, ca, f.readableFile("auth.accessRules"),
                f.duration("auth.accessRulesCheckInterval"), f.bool("auth.accessRulesFirst"), Map.copyOf(bindings));
    }

    /**
     * A source serving every tenant of a multi-tenant identity provider (Entra's {@code common} or
     * {@code organizations}, or an issuer template) accepts any tenant's token unless an audience pins it to this
     * gateway's application: refused at start-up without one.
     */
    private static void requireAudienceForMultiTenant(List<URI> sources, String flag, Map<String, SourceBinding> bindings,
                                                      String globalAudience) throws ConfigException {
        for (URI u : sources) {
            SourceBinding b = bindings.getOrDefault(u.toString(), SourceBinding.NONE);
            String path = u.getPath() == null ? "" : u.getPath().toLowerCase(Locale.ROOT);
            String first = path.startsWith("/") ? path.substring(1).split("/", 2)[0] : "";
            boolean multi = b.multiTenant() || MULTI_TENANT_PATHS.contains(first);
            if (multi && b.audience().isEmpty() && (globalAudience == null || globalAudience.isEmpty())) {
                throw new ConfigException("-" + flag + ": " + u + " serves every tenant of a multi-tenant identity"
                        + " provider, so any tenant's token would verify; set an audience (" + u
                        + "|audience=<your application id> or -auth.audience), and for a JWKS URL an issuer");
            }
        }
    }

    /**
     * Microsoft Entra ID signs every tenant's tokens with the same keys, so its JWKS URL, even a tenant's own, verifies
     * any tenant's token unless an issuer pins it (or a discovery endpoint, which binds the document's issuer).
     */
    private static void requireIssuerForSharedKeys(List<URI> jwks, Map<String, SourceBinding> bindings,
                                                   String globalIssuer) throws ConfigException {
        for (URI u : jwks) {
            if (ENTRA_HOSTS.contains(u.getHost().toLowerCase(Locale.ROOT))
                    && bindings.getOrDefault(u.toString(), SourceBinding.NONE).issuer().isEmpty()
                    && (globalIssuer == null || globalIssuer.isEmpty())) {
                throw new ConfigException("-auth.jwksEndpoints: " + u + " holds Microsoft Entra ID's keys, which sign"
                        + " every tenant's tokens; name the issuer (" + u
                        + "|issuer=https://login.microsoftonline.com/<tenant id>/v2.0) or use its discovery endpoint");
            }
        }
    }

    /** Splits {@code source|issuer=…|audience=…}; records the binding under the source text, returns that text. */
    private static String source(String entry, String flag, Map<String, SourceBinding> bindings)
            throws ConfigException {
        String[] parts = entry.split("\\|", -1);
        String source = parts[0].trim();
        String issuer = "";
        String audience = "";
        for (int i = 1; i < parts.length; i++) {
            String p = parts[i].trim();
            int eq = p.indexOf('=');
            String key = eq < 0 ? p : p.substring(0, eq).trim();
            String value = eq < 0 ? "" : p.substring(eq + 1).trim();
            if (value.isEmpty() || !(key.equals("issuer") || key.equals("audience"))) {
                throw new ConfigException("-" + flag + ": " + source + ": want source|issuer=VALUE|audience=VALUE, got"
                        + " \"" + p + "\"");
            }
            if (key.equals("issuer") ? !issuer.isEmpty() : !audience.isEmpty()) {
                throw new ConfigException("-" + flag + ": " + source + ": " + key + " given twice");
            }
            if (key.equals("issuer")) {
                issuer = value;
            } else {
                audience = value;
            }
        }
        if (bindings.containsKey(source)) {
            throw new ConfigException("-" + flag + ": " + source + " is listed twice");
        }
        if (parts.length > 1) {
            bindings.put(source, new SourceBinding(issuer, audience));
        }
        return source;
    }

    private static List<Path> paths(FlagValues f, String flag, Map<String, SourceBinding> bindings)
            throws ConfigException {
        List<Path> out = new ArrayList<>();
        for (String s : f.list(flag)) {
            String p = source(s, flag, bindings);
            Path path = Path.of(p);
            if (!path.toString().equals(p)) {
                SourceBinding b = bindings.remove(p);
                if (b != null) {
                    bindings.put(path.toString(), b);
                }
            }
            out.add(path);
        }
        return List.copyOf(out);
    }

    private static List<URI> urls(FlagValues f, String flag, Map<String, SourceBinding> bindings)
            throws ConfigException {
        List<URI> out = new ArrayList<>();
        for (String entry : f.list(flag)) {
            String s = source(entry, flag, bindings);
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

package io.tsgate.auth;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Everything JWT verification needs from the command line, already parsed.
 *
 * @param publicKeysPem             inline PEM texts from {@code -auth.publicKeys}; these keys have no kid
 * @param publicKeyFiles            PEM files from {@code -auth.publicKeyFiles}; kid is the file name without extension
 * @param hmacSecretFiles           files from {@code -auth.hmacSecretFiles}, one raw secret each
 * @param issuer                    required {@code iss} value; null or empty: not checked
 * @param audience                  required {@code aud} member; null or empty: not checked
 * @param clockSkew                 tolerance for {@code exp}, {@code nbf} and {@code iat}
 * @param skipSignatureVerification vmgateway's insecure mode: signatures unchecked, claims still checked
 * @param cacheSize                 verified tokens kept in memory; 0 disables the cache
 * @param fileBindings              issuer and audience per key or secret file ({@code path|issuer=…|audience=…});
 *                                  a file's own setting overrides {@code issuer}/{@code audience}
 */
public record JwtSettings(List<String> publicKeysPem, List<Path> publicKeyFiles, List<Path> hmacSecretFiles,
                          String issuer, String audience, Duration clockSkew, boolean skipSignatureVerification,
                          int cacheSize, Map<Path, SourceBinding> fileBindings) {
    /** Settings whose files bind nothing of their own. */
    public JwtSettings(List<String> publicKeysPem, List<Path> publicKeyFiles, List<Path> hmacSecretFiles,
                       String issuer, String audience, Duration clockSkew, boolean skipSignatureVerification,
                       int cacheSize) {
        this(publicKeysPem, publicKeyFiles, hmacSecretFiles, issuer, audience, clockSkew, skipSignatureVerification,
                cacheSize, Map.of());
    }

    public JwtSettings {
        fileBindings = fileBindings == null ? Map.of() : Map.copyOf(fileBindings);
        publicKeysPem = publicKeysPem == null ? List.of() : List.copyOf(publicKeysPem);
        publicKeyFiles = publicKeyFiles == null ? List.of() : List.copyOf(publicKeyFiles);
        hmacSecretFiles = hmacSecretFiles == null ? List.of() : List.copyOf(hmacSecretFiles);
        issuer = issuer == null ? "" : issuer;
        audience = audience == null ? "" : audience;
        clockSkew = clockSkew == null ? Duration.ZERO : clockSkew;
        if (clockSkew.isNegative()) {
            throw new IllegalArgumentException("-auth.clockSkew must not be negative, got " + clockSkew);
        }
        if (cacheSize < 0) {
            throw new IllegalArgumentException("JWT cache size must not be negative, got " + cacheSize);
        }
    }

    /** The global {@code -auth.issuer}/{@code -auth.audience} as a binding. */
    public SourceBinding globalBinding() {
        return new SourceBinding(issuer, audience);
    }

    /** The binding of a key file's keys: its own settings, else the global ones. */
    public SourceBinding bindingOf(Path file) {
        return fileBindings.getOrDefault(file, SourceBinding.NONE).orElse(globalBinding());
    }

    /** True when at least one static key source (inline PEM, key file, HMAC secret file) is configured. */
    public boolean hasStaticKeys() {
        return !publicKeysPem.isEmpty() || !publicKeyFiles.isEmpty() || !hmacSecretFiles.isEmpty();
    }
}

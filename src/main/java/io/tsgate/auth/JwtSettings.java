package io.tsgate.auth;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

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
 */
public record JwtSettings(List<String> publicKeysPem, List<Path> publicKeyFiles, List<Path> hmacSecretFiles,
                          String issuer, String audience, Duration clockSkew, boolean skipSignatureVerification,
                          int cacheSize) {
    public JwtSettings {
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

    /** True when at least one static key source (inline PEM, key file, HMAC secret file) is configured. */
    public boolean hasStaticKeys() {
        return !publicKeysPem.isEmpty() || !publicKeyFiles.isEmpty() || !hmacSecretFiles.isEmpty();
    }
}

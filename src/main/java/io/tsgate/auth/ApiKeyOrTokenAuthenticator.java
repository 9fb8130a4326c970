package io.tsgate.auth;

import io.tsgate.request.RequestAttributes;
import java.util.List;

/**
 * API keys and JWTs side by side: a request carrying the API key header is checked as an API key, any other as a
 * token (when tokens are configured). A request carrying both is refused rather than guessing which one counts.
 */
public final class ApiKeyOrTokenAuthenticator implements Authenticator {
    private final ApiKeyAuthenticator apiKeys;
    private final Authenticator tokens;

    /** @param tokens the JWT authenticator, or null when only API keys are configured */
    public ApiKeyOrTokenAuthenticator(ApiKeyAuthenticator apiKeys, Authenticator tokens) {
        this.apiKeys = apiKeys;
        this.tokens = tokens;
    }

    @Override
    public Access authenticate(RequestAttributes request) throws CredentialRejectedException {
        String key = request.header(apiKeys.credentialHeader());
        boolean hasKey = key != null && !key.isBlank();
        if (tokens == null) {
            return apiKeys.authenticate(request);
        }
        String token = request.header(tokens.credentialHeader());
        boolean hasToken = token != null && !token.isBlank();
        if (hasKey && hasToken) {
            throw new CredentialRejectedException("ambiguous_credential", "send either a token in "
                    + tokens.credentialHeader() + " or an API key in " + apiKeys.credentialHeader() + ", not both");
        }
        if (hasKey) {
            return apiKeys.authenticate(request);
        }
        if (!hasToken) {
            throw new CredentialRejectedException("missing_credential", "missing credential: a bearer token in "
                    + tokens.credentialHeader() + " or an API key in " + apiKeys.credentialHeader());
        }
        return tokens.authenticate(request);
    }

    @Override
    public String credentialHeader() {
        return tokens == null ? apiKeys.credentialHeader() : tokens.credentialHeader();
    }

    @Override
    public List<String> credentialHeaders() {
        return tokens == null ? List.of(apiKeys.credentialHeader())
                : List.of(tokens.credentialHeader(), apiKeys.credentialHeader());
    }
}

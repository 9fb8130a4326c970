package io.tsgate.config;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Entra's {@code consumers} endpoint (and its tenant id 9188040d-6c67-4c5b-b112-36a304b66dad) serves every personal
 * Microsoft account: its discovery document names one fixed issuer, so the {@code {tenantid}} template rule does not
 * see it, yet without an audience any personal account's token for any application verifies.
 */
class ConsumersEndpointAudienceTest {
    private static TokenKeysConfig keys(String... flags) throws ConfigException {
        return GatewayConfig.from(FlagParser.parse(List.of(flags), Map.of())).tokenKeys();
    }

    @Test
    void theConsumersEndpointNeedsAnAudienceLikeCommon() throws Exception {
        for (String url : List.of("https://login.microsoftonline.com/consumers/v2.0/.well-known/openid-configuration",
                "https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0/.well-known/openid-configuration")) {
            ConfigException e = assertThrows(ConfigException.class, () -> keys("-auth.oidcDiscoveryEndpoints=" + url),
                    url);
            assertTrue(e.getMessage().contains("audience"), e.getMessage());
            keys("-auth.oidcDiscoveryEndpoints=" + url + "|audience=api://tsgate");
        }
        assertThrows(ConfigException.class, () -> keys("-auth.jwksEndpoints=https://login.microsoftonline.com/consumers/discovery/v2.0/keys|issuer=https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0"));
    }
}

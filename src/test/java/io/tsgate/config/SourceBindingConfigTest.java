package io.tsgate.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tsgate.auth.SourceBinding;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code source|issuer=…|audience=…} on key source flags, and the refusal of multi-tenant sources without audience. */
class SourceBindingConfigTest {
    private static TokenKeysConfig keys(String... flags) throws ConfigException {
        return GatewayConfig.from(FlagParser.parse(List.of(flags), Map.of())).tokenKeys();
    }

    @Test
    void eachSourceCarriesItsOwnIssuerAndAudience() throws Exception {
        TokenKeysConfig k = keys("-auth.jwksEndpoints=https://idp/keys|issuer=https://idp|audience=app,https://other/keys",
                "-auth.oidcDiscoveryEndpoints=https://kc/realms/r/.well-known/openid-configuration|audience=tsgate",
                "-auth.hmacSecretFiles=/tmp/s.secret|issuer=internal");
        assertEquals(List.of(URI.create("https://idp/keys"), URI.create("https://other/keys")), k.jwksEndpoints());
        assertEquals(new SourceBinding("https://idp", "app"), k.bindingOf(URI.create("https://idp/keys")));
        assertEquals(SourceBinding.NONE, k.bindingOf(URI.create("https://other/keys")));
        assertEquals(new SourceBinding("", "tsgate"),
                k.bindingOf(URI.create("https://kc/realms/r/.well-known/openid-configuration")));
        assertEquals(new SourceBinding("internal", ""), k.jwtSettings().fileBindings().get(Path.of("/tmp/s.secret")));
        assertTrue(k.remoteIssuers());
    }

    @Test
    void badEntriesNameTheFlag() {
        for (String bad : List.of("-auth.jwksEndpoints=https://idp/keys|iss=x",
                "-auth.jwksEndpoints=https://idp/keys|issuer=",
                "-auth.jwksEndpoints=https://idp/keys|issuer=a|issuer=b",
                "-auth.oidcDiscoveryEndpoints=https://idp/.well-known/openid-configuration|issuer=https://idp")) {
            ConfigException e = assertThrows(ConfigException.class, () -> keys(bad), bad);
            assertTrue(e.getMessage().startsWith("-auth."), e.getMessage());
        }
    }

    @Test
    void multiTenantEndpointsNeedAnAudience() throws Exception {
        for (String url : List.of("https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration",
                "https://login.microsoftonline.com/organizations/v2.0/.well-known/openid-configuration")) {
            ConfigException e = assertThrows(ConfigException.class, () -> keys("-auth.oidcDiscoveryEndpoints=" + url));
            assertTrue(e.getMessage().contains("audience"), e.getMessage());
            keys("-auth.oidcDiscoveryEndpoints=" + url + "|audience=api://tsgate");
            keys("-auth.oidcDiscoveryEndpoints=" + url, "-auth.audience=api://tsgate");
        }
        assertThrows(ConfigException.class, () -> keys("-auth.jwksEndpoints=https://login.microsoftonline.com/common/discovery/v2.0/keys"));
        assertThrows(ConfigException.class, () -> keys("-auth.jwksEndpoints=https://idp/keys|issuer=https://idp/{tenantid}/v2.0"));
        keys("-auth.jwksEndpoints=https://idp/keys|issuer=https://idp/{tenantid}/v2.0|audience=app");
        keys("-auth.oidcDiscoveryEndpoints=https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0/.well-known/openid-configuration");
    }

    @Test
    void entraKeysAreSharedByEveryTenantSoAJwksUrlNeedsAnIssuer() throws Exception {
        String tenantKeys = "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/discovery/v2.0/keys";
        ConfigException e = assertThrows(ConfigException.class, () -> keys("-auth.jwksEndpoints=" + tenantKeys));
        assertTrue(e.getMessage().contains("every tenant"), e.getMessage());
        keys("-auth.jwksEndpoints=" + tenantKeys
                + "|issuer=https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0");
        keys("-auth.jwksEndpoints=" + tenantKeys, "-auth.issuer=https://login.microsoftonline.com/x/v2.0");
    }
}

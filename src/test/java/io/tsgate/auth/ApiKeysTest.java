package io.tsgate.auth;

import io.tsgate.request.Label;
import io.tsgate.testing.MutableClock;
import static io.tsgate.auth.TestKeys.NOW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tsgate.request.RequestAttributes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** API key file parsing, sync with last-good semantics, lookup and the Access a key grants. */
class ApiKeysTest {
    static final String KEY = "tsg_test-key-0123456789abcdefghijklmnopqrstuvw";
    static final String HASH = HexFormat.of().formatHex(ApiKeySet.hash(KEY));

    @TempDir
    Path dir;
    private final MutableClock clock = new MutableClock(NOW);

    private static String file(String entries) {
        return "keys:\n" + entries;
    }

    private static String entry(String name, String hash, String extra) {
        return "  - name: " + name + "\n    sha256: " + hash + "\n" + extra;
    }

    private static RequestAttributes request(Map<String, String> headers) {
        return new RequestAttributes("GET", "/api/v1/query?query=up", headers, null, true, "");
    }

    @Test
    void anEntryGrantsWhatTheSameVmAccessClaimGrants() throws Exception {
        String yaml = file(entry("ingest", HASH, "    tenant_id: {account_id: 7, project_id: 3}\n"
                + "    extra_labels: {team: dev}\n    extra_filters: ['{env=\"prod\"}']\n    mode: 2\n"
                + "    expires_at: 2030-02-01T00:00:00Z\n"));
        ApiKeyEntry e = new ApiKeyParser("").parseFile(yaml).get(0);
        Access fromToken = VmAccessClaim.toAccess(ClaimsParser.readPayload("{\"tenant_id\":{\"account_id\":7,"
                + "\"project_id\":3},\"extra_labels\":{\"team\":\"dev\"},\"extra_filters\":[\"{env=\\\"prod\\\"}\"],"
                + "\"mode\":2}"), "ingest", "ingest", e.expiresAt());
        assertEquals(fromToken, e.access());
        assertEquals(java.time.Instant.parse("2030-02-01T00:00:00Z"), e.expiresAt());
        assertFalse(e.toString().contains(HASH), "toString masks the hash");
    }

    @Test
    void nameLabelAddsTheKeyNameAsALabel() {
        ApiKeyEntry e = new ApiKeyParser("key").parseFile(file(entry("ingest", HASH, ""))).get(0);
        assertEquals(List.of(new Label("key", "ingest")), e.access().extraLabels());
        ApiKeyEntry reader = new ApiKeyParser("key").parseFile(file(entry("dash", HASH, "    mode: 1\n"))).get(0);
        assertEquals(List.of(), reader.access().extraLabels(), "a read-only key writes nothing to namespace");
        IllegalArgumentException clash = assertThrows(IllegalArgumentException.class, () -> new ApiKeyParser("team")
                .parseFile(file(entry("ingest", HASH, "    extra_labels: {team: x}\n"))));
        assertTrue(clash.getMessage().contains("-apikeys.nameLabel"), clash.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "unknown field           | other: 1                         | unknown field other",
            "bad mode                | mode: 9                          | mode",
            "bad tenant              | 'tenant_id: {account_id: -1}'    | account_id",
            "bad filter              | 'extra_filters: [\"up\"]'        | extra_filters",
            "bad expiry              | expires_at: tomorrow             | expires_at"})
    void invalidEntriesAreRejectedNamingTheField(String what, String line, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ApiKeyParser("").parseFile(file(entry("k1", HASH, "    " + line + "\n"))));
        assertTrue(e.getMessage().contains(expected) && e.getMessage().contains("keys[0] (k1)"), e.getMessage());
    }

    @Test
    void duplicateNamesHashesAndBadHashesAreRejected() {
        ApiKeyParser p = new ApiKeyParser("");
        String other = HexFormat.of().formatHex(ApiKeySet.hash("other"));
        assertThrows(IllegalArgumentException.class, () -> p.parseFile(file(entry("a", HASH, "") + entry("a", other, ""))));
        assertThrows(IllegalArgumentException.class, () -> p.parseFile(file(entry("a", HASH, "") + entry("b", HASH, ""))));
        assertThrows(IllegalArgumentException.class, () -> p.parseFile(file(entry("a", "abc", ""))));
        assertThrows(IllegalArgumentException.class, () -> p.parseFile("other: []\n"));
        assertEquals(List.of(), p.parseFile(""));
    }

    @Test
    void keysAreFoundByHashOnlyAndExpire() throws Exception {
        Path f = dir.resolve("keys.yaml");
        Files.writeString(f, file(entry("reader", HASH, "    mode: 1\n    expires_at: 2030-01-01T01:00:00Z\n")));
        ApiKeySync sync = new ApiKeySync(new ApiKeyFileLoader(f, new ApiKeyParser("")), f.toString(), clock);
        assertNull(sync.sync());
        ApiKeyAuthenticator auth = new ApiKeyAuthenticator("X-Api-Key", sync, clock);
        Access a = auth.authenticate(request(Map.of("x-api-key", KEY)));
        assertEquals("reader", a.subject());
        assertEquals(Mode.READ, a.mode());
        assertEquals("unknown_api_key", assertThrows(CredentialRejectedException.class,
                () -> auth.authenticate(request(Map.of("x-api-key", KEY + "x")))).reason());
        assertEquals("unknown_api_key", assertThrows(CredentialRejectedException.class,
                () -> auth.authenticate(request(Map.of("x-api-key", HASH)))).reason(), "the hash is not the key");
        assertEquals("missing_credential", assertThrows(CredentialRejectedException.class,
                () -> auth.authenticate(request(Map.of()))).reason());
        clock.advance(Duration.ofHours(1));
        assertEquals("api_key_expired", assertThrows(CredentialRejectedException.class,
                () -> auth.authenticate(request(Map.of("x-api-key", KEY)))).reason());
    }

    @Test
    void aBrokenFileKeepsTheLastGoodSetAndARevocationApplies() throws Exception {
        Path f = dir.resolve("keys.yaml");
        Files.writeString(f, file(entry("reader", HASH, "")));
        ApiKeySync sync = new ApiKeySync(new ApiKeyFileLoader(f, new ApiKeyParser("")), f.toString(), clock);
        sync.sync();
        ApiKeyAuthenticator auth = new ApiKeyAuthenticator("x-api-key", sync, clock);
        Files.writeString(f, "keys: [ {name: reader, sha256: ");
        String why = sync.sync();
        assertTrue(why != null && why.contains(f.toString()), why);
        assertEquals(1, sync.errors());
        assertFalse(sync.lastSyncOk());
        assertEquals("reader", auth.authenticate(request(Map.of("x-api-key", KEY))).subject());
        Files.writeString(f, "keys: []\n");
        assertNull(sync.sync());
        assertEquals("unknown_api_key", assertThrows(CredentialRejectedException.class,
                () -> auth.authenticate(request(Map.of("x-api-key", KEY)))).reason());
    }

    @Test
    void keysBeforeTheFirstSyncAreNotLoadedAndBothHeadersAreAmbiguous() throws Exception {
        ApiKeySync sync = new ApiKeySync(() -> {
            throw new IllegalStateException("Redis hash k: connection refused");
        }, "Redis hash k", clock);
        sync.sync();
        ApiKeyAuthenticator keys = new ApiKeyAuthenticator("x-api-key", sync, clock);
        assertEquals("api_keys_not_loaded", assertThrows(CredentialRejectedException.class,
                () -> keys.authenticate(request(Map.of("x-api-key", KEY)))).reason());
        Authenticator tokens = new BearerTokenAuthenticator("authorization", t -> {
            throw new CredentialRejectedException("bad_signature", "no");
        });
        ApiKeyOrTokenAuthenticator both = new ApiKeyOrTokenAuthenticator(keys, tokens);
        assertEquals(List.of("authorization", "x-api-key"), both.credentialHeaders());
        assertEquals("ambiguous_credential", assertThrows(CredentialRejectedException.class,
                () -> both.authenticate(request(Map.of("x-api-key", KEY, "authorization", "Bearer x")))).reason());
        assertEquals("bad_signature", assertThrows(CredentialRejectedException.class,
                () -> both.authenticate(request(Map.of("authorization", "Bearer x")))).reason());
        CredentialRejectedException none = assertThrows(CredentialRejectedException.class,
                () -> both.authenticate(request(Map.of())));
        assertTrue(none.getMessage().contains("x-api-key") && none.getMessage().contains("authorization"));
    }
}

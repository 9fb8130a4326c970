package io.tsgate.request;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TenantTest {
    @ParameterizedTest
    @ValueSource(strings = {"0:0", "1:2", "4294967295:4294967295"})
    void parseReadsWhatToStringWrites(String s) {
        assertEquals(s, Tenant.parse(s).toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "1", "1:", ":1", "1:2:3", "-1:0", "4294967296:0", "a:b", "1 :2"})
    void parseRefusesAnythingElse(String s) {
        assertThrows(IllegalArgumentException.class, () -> Tenant.parse(s));
    }
}

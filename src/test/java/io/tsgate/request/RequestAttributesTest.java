package io.tsgate.request;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RequestAttributesTest {
    @Test
    void toStringMasksHeaderValuesAndTheBody() {
        RequestAttributes r = new RequestAttributes("post", "/api/v1/query",
                Map.of("authorization", "Bearer eyJhbGciOi.secret.sig", "x-api-key", "tsg_secretkey"),
                "query=up&token=bodysecret".getBytes(StandardCharsets.UTF_8), true, "10.0.0.1");
        String s = r.toString();
        for (String secret : new String[] {"eyJhbGciOi", "tsg_secretkey", "bodysecret"}) {
            assertFalse(s.contains(secret), s);
        }
        assertTrue(s.contains("POST /api/v1/query") && s.contains("authorization") && s.contains("25 bytes"), s);
    }
}

package io.tsgate.request;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BodyCompletenessTest {
    @ParameterizedTest(name = "{0} received={1} size={2} cl={3} partial={4} -> {5}")
    @CsvSource({
        "GET,   0, -1,   ,      , true",
        "POST,  0, -1,   ,      , false",   // HTTP/2 form POST, body not forwarded: must not look empty
        "PATCH, 0, -1,   ,      , false",
        "POST,  0,  0,  0,      , true",
        "POST,  0,  0,   ,      , false",   // size 0 without Content-Length proves nothing
        "POST,  0, -1,  0,      , true",
        "POST,  0, 12, 12,      , false",   // with_request_body not configured
        "POST, 12, 12, 12,      , true",
        "POST,  8, 12, 12,      , false",
        "POST, 12, -1,   ,      , true",    // chunked, buffered whole by Envoy
        "POST, 12, 12, 12, true , false",   // allow_partial_message cut it
        "POST,  0, -1, x1,      , false",   // unparseable Content-Length
    })
    void bodyIsCompleteOnlyWhenProvablyWhole(String method, int received, long size, String cl, String partial,
                                             boolean expected) {
        Map<String, String> h = new HashMap<>();
        if (cl != null) {
            h.put("content-length", cl);
        }
        if (partial != null) {
            h.put(BodyCompleteness.PARTIAL_BODY_HEADER, partial);
        }
        assertEquals(expected, BodyCompleteness.isComplete(method, received, size, h));
    }
}

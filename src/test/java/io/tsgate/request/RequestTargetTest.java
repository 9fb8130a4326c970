package io.tsgate.request;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RequestTargetTest {

    @ParameterizedTest(name = "{0} is denied as {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            ""                                         | path_not_absolute
            api/v1/query                               | path_not_absolute
            ?query=up                                  | path_not_absolute
            *                                          | path_not_absolute
            /api/v1/query%2F                           | path_encoded
            /api%2Fv1/query                            | path_encoded
            /api/v1/%2e%2e/query                       | path_encoded
            /api/v1/quer%79                            | path_encoded
            /api/v1/label/%6Aob/values                 | path_encoded
            //api/v1/query                             | path_double_slash
            /api//v1/query                             | path_double_slash
            /api/v1/query//                            | path_double_slash
            /prometheus//api/v1/write                  | path_double_slash
            /api/v1/./query                            | path_dot_segment
            /api/v1/../v1/query                        | path_dot_segment
            /api/v1/query/.                            | path_dot_segment
            /api/v1/query/..                           | path_dot_segment
            /..                                        | path_dot_segment
            /./api/v1/query                            | path_dot_segment
            /api/v1\\query                             | path_bad_char
            "/api/v1/query "                           | path_bad_char
            /api/v1/quéry                              | path_bad_char
            /api/v1/query;jsessionid=1                 | path_semicolon
            /api/v1/query#frag                         | target_fragment
            /api/v1/query?query=up#frag                | target_fragment
            /api/v1/query?query=up;x=1                 | query_semicolon
            /api/v1/query?a=1&b=2;                     | query_semicolon
            /api/v1/query?%3B=1;                       | query_semicolon
            /api/v1/query?query=%zz                    | query_bad_encoding
            /api/v1/query?query=%4                     | query_bad_encoding
            /api/v1/query?query=%                      | query_bad_encoding
            /api/v1/query?query=up%                    | query_bad_encoding
            /api/v1/query?q%=1                         | query_bad_encoding
            /api/v1/query?query=%C3%28                 | query_bad_encoding
            /api/v1/query?query=%FF                    | query_bad_encoding
            "/api/v1/query?query=a b"                  | query_bad_encoding
            /api/v1/query?query=é                      | query_bad_encoding
            """)
    void unsafeTargetIsDeniedWithReason(String raw, String reason) {
        BadRequestException e = assertThrows(BadRequestException.class, () -> RequestTarget.parse(raw));
        assertEquals(reason, e.reason());
        assertFalse(e.getMessage().isBlank());
        assertEquals(0, e.getStackTrace().length, "no stack trace for an expected outcome");
    }

    @Test
    void controlCharactersInPathAreDenied() {
        for (String raw : List.of("/api/v1/query\u0000", "/api/v1/\tquery", "/api/v1/query\n", "/api\u007F")) {
            BadRequestException e = assertThrows(BadRequestException.class, () -> RequestTarget.parse(raw));
            assertEquals("path_bad_char", e.reason());
        }
    }

    @ParameterizedTest(name = "{0} keeps path {1} and query {2}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            /                                               | /                            | ""
            /api/v1/query                                   | /api/v1/query                | ""
            /api/v1/query?                                  | /api/v1/query                | ""
            /api/v1/query?query=up                          | /api/v1/query                | query=up
            /api/v1/query?query=rate(x%5B5m%5D)&time=1      | /api/v1/query                | query=rate%28x%5B5m%5D%29&time=1
            /prometheus/api/v1/label/__name__/values        | /prometheus/api/v1/label/__name__/values | ""
            /api/v1/query/                                  | /api/v1/query/               | ""
            /metrics/find/                                  | /metrics/find/               | ""
            /api/v1/import/prometheus/metrics/job@base64/Zm9v | /api/v1/import/prometheus/metrics/job@base64/Zm9v | ""
            /a.b/..c/.d/...                                 | /a.b/..c/.d/...              | ""
            /api/v1/query?a=1?b=2                           | /api/v1/query                | a=1%3Fb%3D2
            /api/v1/query?&&a&&=x&                          | /api/v1/query                | a=&=x
            """)
    void safeTargetIsSplitIntoPathAndDecodedQuery(String raw, String path, String encodedQuery) throws Exception {
        RequestTarget t = RequestTarget.parse(raw);
        assertEquals(path, t.path());
        assertEquals(encodedQuery, QueryStrings.encode(t.query()));
    }

    @Test
    void queryKeepsRepeatedKeysInOrder() throws Exception {
        RequestTarget t = RequestTarget.parse("/api/v1/series?match[]=a&start=1&match[]=b&extra_label=x=y");
        assertEquals(List.of(new QueryParam("match[]", "a"), new QueryParam("start", "1"),
                new QueryParam("match[]", "b"), new QueryParam("extra_label", "x=y")), t.query());
    }

    @Test
    void isSafePathAgreesWithParse() {
        assertTrue(RequestTarget.isSafePath("/api/v1/query"));
        assertFalse(RequestTarget.isSafePath("/api//v1/query"));
        assertFalse(RequestTarget.isSafePath(null));
        assertFalse(RequestTarget.isSafePath("/api/v1/query?x=1"));
    }

    @Test
    void queryListIsImmutable() throws Exception {
        RequestTarget t = RequestTarget.parse("/api/v1/query?a=1");
        assertThrows(UnsupportedOperationException.class, () -> t.query().add(new QueryParam("b", "2")));
    }
}

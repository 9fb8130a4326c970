package io.tsgate.request;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class QueryStringsTest {

    @ParameterizedTest(name = "{0} decodes to name [{1}] value [{2}]")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
            extra%5Ffilters%5B%5D=%7Bteam%3D%22a%22%7D  | extra_filters[]  | {team="a"}
            extra_filters[]={x="1"}                     | extra_filters[]  | {x="1"}
            extra%5flabel=team%3ddev                    | extra_label      | team=dev
            extra_label=team=dev                        | extra_label      | team=dev
            query=a+b                                   | query            | a b
            query=a%2Bb                                 | query            | a+b
            a+b=c                                       | a b              | c
            query=%20                                   | query            | ' '
            flag                                        | flag             | ''
            flag=                                       | flag             | ''
            =v                                          | ''               | v
            q=%E2%82%AC                                 | q                | €
            q=%e2%82%ac                                 | q                | €
            q==x                                        | q                | =x
            """)
    void pairDecodesLikeGoParseQuery(String raw, String name, String value) throws Exception {
        assertEquals(List.of(new QueryParam(name, value)), QueryStrings.parse(raw));
    }

    @ParameterizedTest(name = "{0} is refused as {1}")
    @CsvSource(delimiter = '|', textBlock = """
            a=%                  | query_bad_encoding
            a=%1                 | query_bad_encoding
            a=%g0                | query_bad_encoding
            %zz=1                | query_bad_encoding
            a=%80                | query_bad_encoding
            a=%ED%A0%80          | query_bad_encoding
            a=1;b=2              | query_semicolon
            ;                    | query_semicolon
            a=%3B&b=;            | query_semicolon
            """)
    void badQueryIsRefused(String raw, String reason) {
        BadRequestException e = assertThrows(BadRequestException.class, () -> QueryStrings.parse(raw));
        assertEquals(reason, e.reason());
    }

    static Stream<List<QueryParam>> roundTrips() {
        return Stream.of(
                List.of(),
                List.of(new QueryParam("query", "sum(rate(x{job=~\"a|b\",env!=\"dev\"}[5m])) by (le)")),
                List.of(new QueryParam("extra_filters[]", "{env=~\"prod|dev\",team!=\"test\"}"),
                        new QueryParam("extra_label", "team=dev"), new QueryParam("extra_label", "p=mobile")),
                List.of(new QueryParam("ünïcødé", "日本語 €"), new QueryParam("emoji", "😀")),
                List.of(new QueryParam("sym", "{}\"=~,&;+%#?/\\ \t\n'`<>")),
                List.of(new QueryParam("", "empty name"), new QueryParam("empty value", "")),
                List.of(new QueryParam("-_.~", "AZaz09")));
    }

    @ParameterizedTest
    @MethodSource("roundTrips")
    void encodedParamsDecodeToTheSameList(List<QueryParam> params) throws Exception {
        String encoded = QueryStrings.encode(params);
        assertEquals(params, QueryStrings.parse(encoded));
        assertEquals(params, QueryStrings.parseForm(encoded.getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void encodeEscapesAllButUnreserved() {
        assertEquals("a=%7B%7D%22%3D~%2C%20%2B%26%3B",
                QueryStrings.encode(List.of(new QueryParam("a", "{}\"=~, +&;"))));
        assertEquals("extra_filters%5B%5D=%7Bx%3D%221%22%7D",
                QueryStrings.encode(List.of(new QueryParam("extra_filters[]", "{x=\"1\"}"))));
        assertEquals("k=%E2%82%AC", QueryStrings.encode(List.of(new QueryParam("k", "€"))));
    }

    @Test
    void formBodyDecodesLikeQueryAndKeepsRawUtf8() throws Exception {
        byte[] body = "query=up+%7Bjob%3D%22a%22%7D&start=1&x=€&trailing=line\n".getBytes(StandardCharsets.UTF_8);
        assertEquals(List.of(new QueryParam("query", "up {job=\"a\"}"), new QueryParam("start", "1"),
                new QueryParam("x", "€"), new QueryParam("trailing", "line\n")), QueryStrings.parseForm(body));
    }

    @Test
    void formBodyWithBadBytesIsRefused() {
        byte[] latin1 = {'a', '=', (byte) 0xE9};
        assertEquals("query_bad_encoding",
                assertThrows(BadRequestException.class, () -> QueryStrings.parseForm(latin1)).reason());
        assertEquals("query_semicolon", assertThrows(BadRequestException.class,
                () -> QueryStrings.parseForm("a=1;b=2".getBytes(StandardCharsets.US_ASCII))).reason());
    }

    @Test
    void emptyInputsDecodeToNothing() throws Exception {
        assertEquals(List.of(), QueryStrings.parse(""));
        assertEquals(List.of(), QueryStrings.parse(null));
        assertEquals(List.of(), QueryStrings.parseForm(new byte[0]));
        assertEquals(List.of(), QueryStrings.parse("&&&"));
    }

    /** Repeated keys keep request order: VictoriaMetrics reads the first with FormValue and all with r.Form[key]. */
    @Test
    void repeatedKeysKeepTheirOrderAndEmptyPairsVanishAsInGo() throws Exception {
        assertEquals(List.of(new QueryParam("match[]", "a"), new QueryParam("query", "q1"),
                        new QueryParam("match[]", "b"), new QueryParam("query", "q2")),
                QueryStrings.parse("match[]=a&&query=q1&match%5B%5D=b&&query=q2&"));
        assertEquals("match%5B%5D=a&query=q1&match%5B%5D=b&query=q2",
                QueryStrings.encode(QueryStrings.parse("match[]=a&&query=q1&match%5B%5D=b&&query=q2&")));
    }

    /** Go drops a pair it cannot decode and keeps the rest; tsgate cannot mirror a partial reading, so refuses. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            extra_filters=%7Bx%7D&bad=%ZZ
            bad%=1&extra_label=a=b
            extra_label=a%3Db&x=%C0%AF
            q=1&extra_filters[]=%FF
            """)
    void aPairGoWouldSkipRefusesTheWholeQuery(String raw) {
        assertThrows(BadRequestException.class, () -> QueryStrings.parse(raw));
        assertThrows(BadRequestException.class, () -> QueryStrings.parseForm(raw.getBytes(StandardCharsets.US_ASCII)));
    }
}

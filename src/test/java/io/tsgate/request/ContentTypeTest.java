package io.tsgate.request;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The strict Content-Type reading. Where a row says what Go does, it was checked against VictoriaMetrics 1.79.5
 * (Go 1.19.8) by POSTing a form with {@code extra_filters} to {@code /api/v1/series} and seeing whether the filter
 * applied; golang/go src/mime/mediatype.go (commit a3f9ce33) reads the same.
 */
class ContentTypeTest {

    @ParameterizedTest(name = "[{0}] reads as [{1}]")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
            application/x-www-form-urlencoded                       | application/x-www-form-urlencoded
            APPLICATION/X-WWW-FORM-URLENCODED                       | application/x-www-form-urlencoded
            '  application/x-www-form-urlencoded  '                 | application/x-www-form-urlencoded
            application/x-www-form-urlencoded; charset=UTF-8        | application/x-www-form-urlencoded
            application/x-www-form-urlencoded ;charset="utf-8"      | application/x-www-form-urlencoded
            application/x-www-form-urlencoded;                      | application/x-www-form-urlencoded
            'application/x-www-form-urlencoded; '                   | application/x-www-form-urlencoded
            application/x-www-form-urlencoded;a=1;b="x;y"           | application/x-www-form-urlencoded
            application/x-www-form-urlencoded+json                  | application/x-www-form-urlencoded+json
            multipart/form-data; boundary=xyz                       | multipart/form-data
            Multipart/Mixed; boundary="a b"                         | multipart/mixed
            text/plain                                              | text/plain
            application/x-www-form-urlencoded{                      | application/x-www-form-urlencoded{
            application/json; charset=utf-8                         | application/json
            application/x-protobuf                                  | application/x-protobuf
            ''                                                      | ''
            '   '                                                   | ''
            """)
    void acceptedValuesReadAsGoReadsThem(String header, String mediaType) throws Exception {
        assertEquals(mediaType, ContentType.parse(header).mediaType());
    }

    @Test
    void tabsAreWhiteSpaceAsInGo() throws Exception {
        assertTrue(ContentType.parse("\tapplication/x-www-form-urlencoded\t;\tcharset=utf-8\t").isForm());
    }

    @Test
    void absentHeaderIsNoFormAsGoReadsOctetStream() throws Exception {
        assertEquals(ContentType.ABSENT, ContentType.parse(null));
        assertFalse(ContentType.parse(null).isForm());
        assertFalse(ContentType.parse(null).isMultipart());
    }

    @ParameterizedTest(name = "[{0}] is refused as {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
            'application/x-www-form-urlencoded\u00a0'                 | content_type_not_ascii
            appl\u0130cation/x-www-form-urlencoded                    | content_type_not_ascii
            application/x-www-form-urlencoded\u0085                   | content_type_not_ascii
            application/x-www-form-urlencoded\u2003                   | content_type_not_ascii
            '\u00c2\u00a0application/x-www-form-urlencoded'          | content_type_not_ascii
            application/x-www-form-\u212Aurlencoded                   | content_type_not_ascii
            'application/x-www-form-urlencoded\u000b'                 | content_type_not_ascii
            'application/x-www-form-urlencoded\r'                     | content_type_not_ascii
            application/x-www-form-urlencoded\u007f                   | content_type_not_ascii
            application/x-www-form-urlencoded; charset=\u00e9         | content_type_not_ascii
            'application/x-www-form-urlencoded,text/plain'            | content_type_repeated
            'text/plain, application/x-www-form-urlencoded'           | content_type_repeated
            ',application/x-www-form-urlencoded'                      | content_type_repeated
            'application/x-www-form-urlencoded; a="x,y"'              | content_type_repeated
            application/x-www-form-urlencoded;;                       | content_type_malformed
            application/x-www-form-urlencoded; charset                | content_type_malformed
            application/x-www-form-urlencoded; charset=               | content_type_malformed
            application/x-www-form-urlencoded; charset = utf-8        | content_type_malformed
            application/x-www-form-urlencoded; a=""                   | content_type_malformed
            application/x-www-form-urlencoded; a="x\\"y"              | content_type_malformed
            application/x-www-form-urlencoded; a="unterminated        | content_type_malformed
            application/x-www-form-urlencoded x                       | content_type_malformed
            application/x-www-form-urlencoded/x                       | content_type_malformed
            application                                               | content_type_malformed
            application/                                              | content_type_malformed
            /x-www-form-urlencoded                                    | content_type_malformed
            application/x-www-form-urlencoded; charset=a b            | content_type_malformed
            application/x-www-form-urlencoded; charset=a; charset=b   | content_type_parameter
            application/x-www-form-urlencoded; Charset=a; CHARSET=b   | content_type_parameter
            application/x-www-form-urlencoded; a*=x                   | content_type_parameter
            application/x-www-form-urlencoded; a*0=x                  | content_type_parameter
            """)
    void unreadableValuesAreRefused(String header, String reason) {
        BadRequestException e = assertThrows(BadRequestException.class, () -> ContentType.parse(header));
        assertEquals(reason, e.reason());
    }

    @Test
    void onlyTheExactFormTypeIsAForm() throws Exception {
        assertTrue(ContentType.parse("application/x-www-form-urlencoded").isForm());
        assertFalse(ContentType.parse("application/x-www-form-urlencodedx").isForm());
        assertFalse(ContentType.parse("text/x-www-form-urlencoded").isForm());
        assertTrue(ContentType.parse("multipart/anything; boundary=b").isMultipart());
        assertFalse(ContentType.parse("application/multipart").isMultipart());
    }
}

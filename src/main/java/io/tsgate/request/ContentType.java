package io.tsgate.request;

import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * A request's media type as tsgate reads its {@code Content-Type} header: strictly, so that whatever it accepts
 * means the same media type to Go's {@code mime.ParseMediaType} (which VictoriaMetrics' {@code net/http} uses to
 * decide whether to read a body as a form), and everything else is refused.
 *
 * <p>Go is lenient in ways that matter here (golang/go src/mime/mediatype.go, commit a3f9ce33; net/http
 * {@code parsePostForm}, the same in Go 1.19 which built Debian's VictoriaMetrics 1.79.5): it lower-cases with
 * Unicode rules ({@code U+0130 İ} becomes ASCII {@code i}), trims Unicode white space ({@code U+00A0},
 * {@code U+0085}, {@code U+2003} …), keeps the media type when a parameter is malformed
 * ({@code ErrInvalidMediaParameter}), reads only the first of repeated headers (proxies join them with
 * {@code ","}), and gives up on duplicate parameter names. Instead of copying each rule, tsgate accepts only:
 * printable ASCII, no comma, {@code type "/" subtype} of RFC 2045 token characters, then parameters
 * {@code ; name=value} (token or quoted string without escapes), no {@code *} in names (RFC 2231 continuations),
 * no repeated name, optional white space (space, tab) around {@code ;} and at the ends, one trailing {@code ;}.
 * On that language Go's reading and this one agree; anything outside it is a {@link BadRequestException}.
 *
 * @param mediaType lower-case {@code type/subtype}, or "" when the header is absent or blank (Go reads no form
 *                  then: it treats an empty type as {@code application/octet-stream})
 */
public record ContentType(String mediaType) {
    public static final String FORM = "application/x-www-form-urlencoded";
    public static final ContentType ABSENT = new ContentType("");

    private static final String TSPECIALS = "()<>@,;:\\\"/[]?=";

    /**
     * Reads a {@code Content-Type} value as the proxy delivered it (repeated headers joined with {@code ","}).
     *
     * @param header the value, or null when the request has none
     * @throws BadRequestException {@code content_type_not_ascii}, {@code content_type_repeated},
     *                             {@code content_type_malformed} or {@code content_type_parameter}
     */
    public static ContentType parse(String header) throws BadRequestException {
        if (header == null) {
            return ABSENT;
        }
        checkCharacters(header);
        Cursor c = new Cursor(header);
        c.skipWhitespace();
        if (c.atEnd()) {
            return ABSENT;
        }
        String type = c.token();
        if (type.isEmpty() || !c.take('/')) {
            throw malformed();
        }
        String subtype = c.token();
        if (subtype.isEmpty()) {
            throw malformed();
        }
        c.skipWhitespace();
        parameters(c);
        return new ContentType((type + "/" + subtype).toLowerCase(Locale.ROOT));
    }

    /** True for {@code application/x-www-form-urlencoded}, the one type Go's {@code ParseForm} reads a body as. */
    public boolean isForm() {
        return mediaType.equals(FORM);
    }

    /**
     * True for every {@code multipart/*} type: Go's {@code ParseMultipartForm} (behind {@code FormValue}) reads
     * {@code multipart/form-data} bodies whatever the method, and {@code MultipartReader} also reads
     * {@code multipart/mixed}.
     */
    public boolean isMultipart() {
        return mediaType.startsWith("multipart/");
    }

    private static void checkCharacters(String header) throws BadRequestException {
        for (int i = 0; i < header.length(); i++) {
            char ch = header.charAt(i);
            if (ch != '\t' && (ch < 0x20 || ch >= 0x7F)) {
                throw new BadRequestException(BadRequestException.CONTENT_TYPE_NOT_ASCII, "the Content-Type header "
                        + "may hold only printable ASCII: other bytes are read differently by VictoriaMetrics");
            }
        }
        if (header.indexOf(',') >= 0) {
            throw new BadRequestException(BadRequestException.CONTENT_TYPE_REPEATED, "send exactly one "
                    + "Content-Type header with one media type: VictoriaMetrics reads only the first of several");
        }
    }

    private static void parameters(Cursor c) throws BadRequestException {
        Set<String> names = new HashSet<>(4);
        while (!c.atEnd()) {
            if (!c.take(';')) {
                throw malformed();
            }
            c.skipWhitespace();
            if (c.atEnd()) {
                return;
            }
            String name = c.token().toLowerCase(Locale.ROOT);
            if (name.isEmpty() || !c.take('=') || c.value().isEmpty()) {
                throw malformed();
            }
            if (name.indexOf('*') >= 0 || !names.add(name)) {
                throw new BadRequestException(BadRequestException.CONTENT_TYPE_PARAMETER, "Content-Type parameters "
                        + "must not repeat a name or use RFC 2231 '*' forms: VictoriaMetrics reads those differently");
            }
            c.skipWhitespace();
        }
    }

    private static BadRequestException malformed() {
        return new BadRequestException(BadRequestException.CONTENT_TYPE_MALFORMED,
                "the Content-Type header must be 'type/subtype' with optional '; name=value' parameters");
    }

    private static boolean isTokenChar(char ch) {
        return ch > 0x20 && ch < 0x7F && TSPECIALS.indexOf(ch) < 0;
    }

    /** A position in the header value; every step moves forward, so parsing is linear. */
    private static final class Cursor {
        private final String s;
        private int i;

        Cursor(String s) {
            this.s = s;
        }

        boolean atEnd() {
            return i >= s.length();
        }

        void skipWhitespace() {
            while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
                i++;
            }
        }

        boolean take(char ch) {
            if (i < s.length() && s.charAt(i) == ch) {
                i++;
                return true;
            }
            return false;
        }

        String token() {
            int start = i;
            while (i < s.length() && isTokenChar(s.charAt(i))) {
                i++;
            }
            return s.substring(start, i);
        }

        /** A token, or a quoted string without backslash escapes (Go's versions unescape them differently). */
        String value() {
            if (!take('"')) {
                return token();
            }
            int start = i;
            while (i < s.length() && s.charAt(i) != '"') {
                if (s.charAt(i) == '\\') {
                    return "";
                }
                i++;
            }
            if (atEnd() || i == start) {
                return "";
            }
            return s.substring(start, i++);
        }
    }
}

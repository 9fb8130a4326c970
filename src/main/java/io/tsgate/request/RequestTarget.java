package io.tsgate.request;

import java.util.List;

/**
 * A request target ({@code :path}) split into a path that is safe to authorize and its decoded query.
 *
 * <p>tsgate authorizes the path it sees and forwards that same path, so the path must mean one thing to tsgate,
 * Envoy and VictoriaMetrics alike. No VictoriaMetrics route needs percent-encoding, dot segments, doubled slashes
 * or exotic characters in the path, so every such path is refused instead of normalized: normalizing differently
 * from Go's {@code net/http} or from VictoriaMetrics' own {@code //} folding is how path confusion gets in.
 *
 * @param path  the path, unchanged and checked by {@link #checkPath(String)}
 * @param query the decoded query parameters in request order (see {@link QueryStrings#parse(String)})
 */
public record RequestTarget(String path, List<QueryParam> query) {

    public RequestTarget {
        query = List.copyOf(query);
    }

    /**
     * Splits and checks Envoy's {@code :path} (path plus optional {@code ?query}, still percent-encoded).
     *
     * @throws BadRequestException when the path or query breaks a rule; {@link BadRequestException#reason()} says which
     */
    public static RequestTarget parse(String rawTarget) throws BadRequestException {
        String raw = rawTarget == null ? "" : rawTarget;
        if (raw.indexOf('#') >= 0) {
            throw new BadRequestException(BadRequestException.TARGET_FRAGMENT,
                    "a request target must not contain '#'");
        }
        int q = raw.indexOf('?');
        String path = q < 0 ? raw : raw.substring(0, q);
        checkPath(path);
        List<QueryParam> query = q < 0 ? List.of() : QueryStrings.parse(raw.substring(q + 1));
        return new RequestTarget(path, query);
    }

    /** True when {@link #checkPath(String)} accepts the path. */
    public static boolean isSafePath(String path) {
        try {
            checkPath(path);
            return true;
        } catch (BadRequestException e) {
            return false;
        }
    }

    /**
     * Checks a path (without query) against the path rules: no tenant prefix, no dot segments, no encoded slashes or
     * dots, no doubled slashes.
     *
     * @throws BadRequestException naming the first rule the path breaks
     */
    public static void checkPath(String path) throws BadRequestException {
        if (path == null || path.isEmpty() || path.charAt(0) != '/') {
            throw new BadRequestException(BadRequestException.PATH_NOT_ABSOLUTE, "the path must start with '/'");
        }
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c == '%') {
                throw new BadRequestException(BadRequestException.PATH_ENCODED,
                        "percent-encoded characters are not allowed in the path");
            }
            if (c == ';') {
                throw new BadRequestException(BadRequestException.PATH_SEMICOLON, "';' is not allowed in the path");
            }
            if (c <= 0x20 || c >= 0x7F || c == '\\' || c == '#' || c == '?') {
                throw new BadRequestException(BadRequestException.PATH_BAD_CHAR,
                        "the path may hold only printable ASCII without spaces or backslashes");
            }
        }
        if (path.contains("//")) {
            throw new BadRequestException(BadRequestException.PATH_DOUBLE_SLASH, "'//' is not allowed in the path");
        }
        if (hasDotSegment(path)) {
            throw new BadRequestException(BadRequestException.PATH_DOT_SEGMENT,
                    "'.' and '..' segments are not allowed in the path");
        }
    }

    /** True when a '/'-separated segment is "." or "..": a scan, since every Check passes here (twice). */
    private static boolean hasDotSegment(String path) {
        int start = 0;
        while (start <= path.length()) {
            int end = path.indexOf('/', start);
            if (end < 0) {
                end = path.length();
            }
            int len = end - start;
            if ((len == 1 || len == 2) && path.charAt(start) == '.' && path.charAt(end - 1) == '.') {
                return true;
            }
            start = end + 1;
        }
        return false;
    }
}

package io.tsgate.request;

/**
 * A request target or body that tsgate refuses to interpret, answered with HTTP 400.
 *
 * <p>It is an expected outcome of hostile or sloppy input, not a bug, so it carries no stack trace. The
 * {@link #reason()} is a stable snake_case code for metrics and logs; the message is safe to send to the client
 * (it never echoes the input back).
 */
public final class BadRequestException extends Exception {

    public static final String PATH_NOT_ABSOLUTE = "path_not_absolute";
    public static final String PATH_ENCODED = "path_encoded";
    public static final String PATH_DOUBLE_SLASH = "path_double_slash";
    public static final String PATH_DOT_SEGMENT = "path_dot_segment";
    public static final String PATH_BAD_CHAR = "path_bad_char";
    public static final String PATH_SEMICOLON = "path_semicolon";
    public static final String PATH_TENANT_PREFIX = "path_tenant_prefix";
    public static final String TARGET_FRAGMENT = "target_fragment";
    public static final String QUERY_BAD_ENCODING = "query_bad_encoding";
    public static final String QUERY_SEMICOLON = "query_semicolon";
    public static final String CONTENT_TYPE_NOT_ASCII = "content_type_not_ascii";
    public static final String CONTENT_TYPE_REPEATED = "content_type_repeated";
    public static final String CONTENT_TYPE_MALFORMED = "content_type_malformed";
    public static final String CONTENT_TYPE_PARAMETER = "content_type_parameter";

    private static final long serialVersionUID = 1L;

    private final String reason;

    public BadRequestException(String reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    /** Stable snake_case code naming the rule that was broken, e.g. {@code path_dot_segment}. */
    public String reason() {
        return reason;
    }
}

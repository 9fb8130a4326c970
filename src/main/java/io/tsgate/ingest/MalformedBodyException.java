package io.tsgate.ingest;

/**
 * A write body tsgate cannot count, with a stable reason code for metrics and logs. The message names what is wrong
 * (format, line, field) and never echoes body content beyond a label name.
 */
public final class MalformedBodyException extends Exception {
    private final String reason;
    private final int status;

    public MalformedBodyException(int status, String reason, String message) {
        super(message, null, false, false);
        this.status = status;
        this.reason = reason;
    }

    public static MalformedBodyException malformed(String message) {
        return new MalformedBodyException(400, "write_body_malformed", message);
    }

    /** HTTP status to answer: 400 (malformed, unsupported encoding) or 413 (over the size bounds). */
    public int status() {
        return status;
    }

    public String reason() {
        return reason;
    }
}

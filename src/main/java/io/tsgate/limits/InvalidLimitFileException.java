package io.tsgate.limits;

/** The limit file cannot be used; the message names the source, the entry and the field at fault. */
public final class InvalidLimitFileException extends Exception {
    public InvalidLimitFileException(String message) {
        super(message);
    }
}

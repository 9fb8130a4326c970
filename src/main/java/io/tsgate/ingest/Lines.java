package io.tsgate.ingest;

/**
 * A cursor over the lines of a text body, split the way VictoriaMetrics' text parsers split it: at {@code '\n'},
 * less one trailing {@code '\r'}; a body ending in {@code '\n'} has no empty last line. Linear in the body, no
 * allocation per line: the current line is {@code [start, stop)} of the body.
 */
final class Lines {
    private final byte[] body;
    private final int length;
    private int next;
    private int start;
    private int stop;
    private int number;

    Lines(byte[] body, int length) {
        this.body = body;
        this.length = length;
    }

    /** Moves to the next line; false once the body is used up. */
    boolean next() {
        if (next >= length) {
            return false;
        }
        int end = next;
        while (end < length && body[end] != '\n') {
            end++;
        }
        start = next;
        stop = end > start && body[end - 1] == '\r' ? end - 1 : end;
        number++;
        next = end + 1;
        return true;
    }

    /** Offset of the current line's first byte. */
    int start() {
        return start;
    }

    /** Offset just past the current line, its {@code '\n'} and trailing {@code '\r'} excluded. */
    int stop() {
        return stop;
    }

    /** The current line's number, from 1. */
    int number() {
        return number;
    }

    boolean isEmpty() {
        return stop == start;
    }
}

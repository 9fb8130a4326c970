package io.tsgate.request;

/** One label name and value to enforce on reads and writes. */
public record Label(String name, String value) {
    @Override
    public String toString() {
        return name + "=" + value;
    }
}

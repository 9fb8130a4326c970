package io.tsgate.limits;

/** What a limit counts (vmgateway's names). */
public enum LimitType {
    QUERIES("queries"),
    ROWS_INSERTED("rows_inserted"),
    NEW_SERIES("new_series"),
    ACTIVE_SERIES("active_series");

    private final String label;

    LimitType(String label) {
        this.label = label;
    }

    /** The name used in the limit file, metrics and reason codes. */
    public String label() {
        return label;
    }

    /** The type named {@code label}, or null. */
    public static LimitType of(String label) {
        for (LimitType t : values()) {
            if (t.label.equals(label)) {
                return t;
            }
        }
        return null;
    }

    public boolean countsSeries() {
        return this == NEW_SERIES || this == ACTIVE_SERIES;
    }
}

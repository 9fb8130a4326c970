package io.tsgate.limits;

/**
 * The window a limit applies to. Windows are fixed and aligned to the epoch (a minute window starts at a whole
 * minute UTC), so every replica and the Redis script agree on where a window starts without talking to each other.
 */
public enum Resolution {
    MINUTE("minute", 60),
    HOUR("hour", 3600);

    private final String label;
    private final long seconds;

    Resolution(String label, long seconds) {
        this.label = label;
        this.seconds = seconds;
    }

    public String label() {
        return label;
    }

    public long seconds() {
        return seconds;
    }

    /** The index of the window holding {@code epochSecond}. */
    public long window(long epochSecond) {
        return Math.floorDiv(epochSecond, seconds);
    }

    /** Seconds from {@code epochSecond} until its window ends, at least 1. */
    public long secondsToReset(long epochSecond) {
        return seconds - Math.floorMod(epochSecond, seconds);
    }

    /** The resolution named {@code label}, or null. */
    public static Resolution of(String label) {
        for (Resolution r : values()) {
            if (r.label.equals(label)) {
                return r;
            }
        }
        return null;
    }
}

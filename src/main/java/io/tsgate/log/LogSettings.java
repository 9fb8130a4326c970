package io.tsgate.log;

import java.io.PrintStream;
import org.slf4j.event.Level;

/**
 * Process-wide log settings, set once at start-up from flags: format, level, output, timestamps, and the per-second
 * caps on WARN and ERROR lines with their suppressed-line counts.
 */
public final class LogSettings {
    /** {@code -loggerLevel=FATAL} or {@code PANIC}: tsgate writes no FATAL or PANIC lines, so nothing is logged. */
    private static final int ABOVE_ERROR = Level.ERROR.toInt() + 10;

    private static volatile boolean json;
    private static volatile int minLevel = Level.INFO.toInt();
    private static volatile PrintStream out = System.err;
    private static volatile boolean timestamps = true;
    private static volatile LineCap warns = new LineCap(0, System::nanoTime);
    private static volatile LineCap errors = new LineCap(0, System::nanoTime);
    /**
     * Denial lines have a WARN budget of their own, like VictoriaMetrics' per-call-site caps: a flood of bad
     * credentials must not silence the other WARN lines (a rate-limit backend going down) in the same second.
     */
    private static volatile LineCap denials = new LineCap(0, System::nanoTime);

    private LogSettings() {
    }

    /** Format and level only (tests); output stderr, no caps. */
    public static void configure(String format, String level) {
        configure(format, level, "stderr", false, 0, 0);
    }

    /**
     * @param level            DEBUG, INFO, WARN, ERROR, FATAL or PANIC (the last two silence tsgate's logger)
     * @param output           stderr or stdout
     * @param warnsPerSecond   0: no cap
     * @param errorsPerSecond  0: no cap
     */
    public static void configure(String format, String level, String output, boolean disableTimestamps,
                                 int warnsPerSecond, int errorsPerSecond) {
        json = "json".equals(format);
        minLevel = level.equals("FATAL") || level.equals("PANIC") ? ABOVE_ERROR : Level.valueOf(level).toInt();
        out = "stdout".equals(output) ? System.out : System.err;
        timestamps = !disableTimestamps;
        warns = new LineCap(warnsPerSecond, System::nanoTime);
        errors = new LineCap(errorsPerSecond, System::nanoTime);
        denials = new LineCap(warnsPerSecond, System::nanoTime);
    }

    /**
     * Takes one line of the denial lines' WARN budget ({@code -loggerWarnsPerSecondLimit}), before the caller builds
     * its line on the request path; such a line carries {@link CappedLines#ADMITTED} so it is not capped twice.
     */
    public static boolean admitDenial() {
        return minLevel <= Level.WARN.toInt() && denials.tryAcquire();
    }

    /** The WARN cap, or the ERROR cap; null for other levels (never capped). */
    static LineCap cap(Level level) {
        return switch (level) {
            case WARN -> warns;
            case ERROR -> errors;
            default -> null;
        };
    }

    /** Lines suppressed since start at {@code level} (WARN or ERROR). */
    public static long suppressed(Level level) {
        LineCap c = cap(level);
        return c == null ? 0 : c.suppressed() + (level == Level.WARN ? denials.suppressed() : 0);
    }

    /** Writes one WARN line per capped level that suppressed lines since the previous call (called every second). */
    public static void summariseSuppressed() {
        CappedLines.summarise(Level.WARN, denials, "loggerWarnsPerSecondLimit", "denied");
        CappedLines.summarise(Level.WARN, warns, "loggerWarnsPerSecondLimit", "other");
        CappedLines.summarise(Level.ERROR, errors, "loggerErrorsPerSecondLimit", "other");
    }

    static boolean json() {
        return json;
    }

    static PrintStream out() {
        return out;
    }

    static boolean timestamps() {
        return timestamps;
    }

    static boolean enabled(Level level) {
        return level.toInt() >= minLevel;
    }
}

package io.tsgate.log;

import org.slf4j.event.Level;

/** Process-wide log format and level, set once at start-up from flags. */
public final class LogSettings {
    private static volatile boolean json;
    private static volatile int minLevel = Level.INFO.toInt();

    private LogSettings() {
    }

    public static void configure(String format, String level) {
        json = "json".equals(format);
        minLevel = Level.valueOf(level).toInt();
    }

    static boolean json() {
        return json;
    }

    static boolean enabled(Level level) {
        return level.toInt() >= minLevel;
    }
}

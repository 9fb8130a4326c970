package io.tsgate.config;

import java.util.List;
import java.util.Locale;

/**
 * Logging, validated.
 *
 * @param format            {@code default} (text) or {@code json}
 * @param level             {@code DEBUG}, {@code INFO}, {@code WARN}, {@code ERROR}, {@code FATAL} or {@code PANIC}
 * @param accessLog         {@code -accessLog}: one line per allowed request too, not only per denial
 * @param output            {@code stderr} or {@code stdout}
 * @param disableTimestamps {@code -loggerDisableTimestamps}
 * @param warnsPerSecond    {@code -loggerWarnsPerSecondLimit}, 0 for no cap
 * @param errorsPerSecond   {@code -loggerErrorsPerSecondLimit}, 0 for no cap
 */
public record LogConfig(String format, String level, boolean accessLog, String output, boolean disableTimestamps,
                        int warnsPerSecond, int errorsPerSecond) {
    private static final List<String> LEVELS = List.of("DEBUG", "INFO", "WARN", "ERROR", "FATAL", "PANIC");

    static LogConfig from(FlagValues f) throws ConfigException {
        String format = f.string("loggerFormat");
        if (!format.equals("default") && !format.equals("json")) {
            throw new ConfigException("-loggerFormat: want default or json, got \"" + format + "\"");
        }
        String level = f.string("loggerLevel").toUpperCase(Locale.ROOT);
        if (!LEVELS.contains(level)) {
            throw new ConfigException("-loggerLevel: want DEBUG, INFO, WARN, ERROR, FATAL or PANIC, got \"" + level + "\"");
        }
        String output = f.string("loggerOutput");
        if (!output.equals("stderr") && !output.equals("stdout")) {
            throw new ConfigException("-loggerOutput: want stderr or stdout, got \"" + output + "\"");
        }
        return new LogConfig(format, level, f.bool("accessLog"), output, f.bool("loggerDisableTimestamps"),
                perSecond(f, "loggerWarnsPerSecondLimit"), perSecond(f, "loggerErrorsPerSecondLimit"));
    }

    private static int perSecond(FlagValues f, String name) throws ConfigException {
        int n = f.integer(name);
        if (n < 0) {
            throw new ConfigException("-" + name + ": want 0 (no cap) or a positive count, got " + n);
        }
        return n;
    }
}

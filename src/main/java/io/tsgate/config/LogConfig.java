package io.tsgate.config;

import java.util.List;
import java.util.Locale;

/**
 * Logging, validated.
 *
 * @param format    {@code default} (text) or {@code json}
 * @param level     {@code DEBUG}, {@code INFO}, {@code WARN} or {@code ERROR}
 * @param accessLog {@code -accessLog}: one line per allowed request too, not only per denial
 */
public record LogConfig(String format, String level, boolean accessLog) {

    static LogConfig from(FlagValues f) throws ConfigException {
        String format = f.string("loggerFormat");
        if (!format.equals("default") && !format.equals("json")) {
            throw new ConfigException("-loggerFormat: want default or json, got \"" + format + "\"");
        }
        String level = f.string("loggerLevel").toUpperCase(Locale.ROOT);
        if (!List.of("DEBUG", "INFO", "WARN", "ERROR").contains(level)) {
            throw new ConfigException("-loggerLevel: want DEBUG, INFO, WARN or ERROR, got \"" + level + "\"");
        }
        return new LogConfig(format, level, f.bool("accessLog"));
    }
}

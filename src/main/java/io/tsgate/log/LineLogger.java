package io.tsgate.log;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import org.slf4j.Marker;
import org.slf4j.event.KeyValuePair;
import org.slf4j.event.Level;
import org.slf4j.event.LoggingEvent;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.spi.LoggingEventAware;

/**
 * Writes each event as one line: text ({@code ts level logger msg k=v …}) or a JSON object whose key-value pairs
 * (SLF4J's fluent {@code addKeyValue}) are fields of their own. WARN and ERROR lines pass their per-second cap first.
 */
final class LineLogger extends LegacyAbstractLogger implements LoggingEventAware {

    LineLogger(String name) {
        this.name = name;
    }

    @Override
    protected String getFullyQualifiedCallerName() {
        return null;
    }

    @Override
    protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] args, Throwable t) {
        emit(level, marker, pattern, args, t, List.of());
    }

    /** The fluent API ({@code LOG.atWarn().addKeyValue(…).log()}) lands here, key-value pairs included. */
    @Override
    public void log(LoggingEvent e) {
        if (!LogSettings.enabled(e.getLevel())) {
            return;
        }
        List<Marker> markers = e.getMarkers();
        Marker marker = markers == null || markers.isEmpty() ? null : markers.get(0);
        List<KeyValuePair> kv = e.getKeyValuePairs();
        emit(e.getLevel(), marker, e.getMessage(), e.getArgumentArray(), e.getThrowable(), kv == null ? List.of() : kv);
    }

    private void emit(Level level, Marker marker, String pattern, Object[] args, Throwable t, List<KeyValuePair> kv) {
        LineCap cap = LogSettings.cap(level);
        if (cap != null && !CappedLines.ADMITTED.equals(marker) && !cap.tryAcquire()) {
            return;
        }
        String msg = pattern == null ? "" : MessageFormatter.basicArrayFormat(pattern, args);
        String trace = "";
        if (t != null) {
            StringWriter sw = new StringWriter();
            t.printStackTrace(new PrintWriter(sw));
            trace = "\n" + sw;
        }
        String ts = LogSettings.timestamps() ? Instant.now().toString() : null;
        LogSettings.out().println(line(ts, level, name, msg, trace, kv, LogSettings.json()));
    }

    /** One log line without fields. */
    static String line(String ts, Level level, String name, String msg, String trace, boolean json) {
        return line(ts, level, name, msg, trace, List.of(), json);
    }

    /**
     * One log line; {@code ts} null leaves the timestamp out ({@code -loggerDisableTimestamps}); {@code trace} (a
     * stack trace, or "") is the only part that may span lines in text format.
     */
    static String line(String ts, Level level, String name, String msg, String trace, List<KeyValuePair> kv,
                       boolean json) {
        String lvl = level.name().toLowerCase(Locale.ROOT);
        StringBuilder b = new StringBuilder(128);
        if (json) {
            b.append('{');
            if (ts != null) {
                b.append("\"ts\":\"").append(ts).append("\",");
            }
            b.append("\"level\":\"").append(lvl).append("\",\"logger\":\"").append(escape(name, true))
                    .append("\",\"msg\":\"").append(escape(msg + trace, true)).append('"');
            for (KeyValuePair p : kv) {
                b.append(",\"").append(escape(p.key, true)).append("\":");
                jsonValue(b, p.value);
            }
            return b.append('}').toString();
        }
        // Arguments can carry client input (paths, parse errors quoting a body): a newline or tab there must not
        // start a forged line or field.
        if (ts != null) {
            b.append(ts).append('\t');
        }
        b.append(lvl).append('\t').append(shortName(name)).append('\t').append(escape(msg, false));
        for (KeyValuePair p : kv) {
            b.append(' ').append(escape(p.key, false)).append('=');
            textValue(b, p.value);
        }
        return b.append(trace).toString();
    }

    private static void jsonValue(StringBuilder b, Object v) {
        if (v instanceof Number || v instanceof Boolean) {
            b.append(v);
        } else {
            b.append('"').append(escape(String.valueOf(v), true)).append('"');
        }
    }

    /** Values that are empty or hold a space, quote or equals sign are quoted so a reader can split on spaces. */
    private static void textValue(StringBuilder b, Object v) {
        String s = String.valueOf(v);
        boolean quote = s.isEmpty();
        for (int i = 0; i < s.length() && !quote; i++) {
            char c = s.charAt(i);
            quote = c == ' ' || c == '"' || c == '=' || c < 0x20 || c == 0x7f;
        }
        if (quote) {
            b.append('"').append(escape(s, true)).append('"');
        } else {
            b.append(s);
        }
    }

    private static String shortName(String name) {
        int dot = name.lastIndexOf('.');
        return dot < 0 ? name : name.substring(dot + 1);
    }

    /** Control characters as escapes; with {@code json}, quotes and backslashes too (a JSON string body). */
    private static String escape(String s, boolean json) {
        StringBuilder b = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append(json ? "\\\"" : "\"");
                case '\\' -> b.append(json ? "\\\\" : "\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.toString();
    }

    @Override
    public boolean isTraceEnabled() {
        return LogSettings.enabled(Level.TRACE);
    }

    @Override
    public boolean isDebugEnabled() {
        return LogSettings.enabled(Level.DEBUG);
    }

    @Override
    public boolean isInfoEnabled() {
        return LogSettings.enabled(Level.INFO);
    }

    @Override
    public boolean isWarnEnabled() {
        return LogSettings.enabled(Level.WARN);
    }

    @Override
    public boolean isErrorEnabled() {
        return LogSettings.enabled(Level.ERROR);
    }
}

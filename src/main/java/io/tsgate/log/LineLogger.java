package io.tsgate.log;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

/** Writes each event as one line: text ({@code ts level logger msg}) or a JSON object. */
final class LineLogger extends LegacyAbstractLogger {
    private static final PrintStream OUT = System.err;

    LineLogger(String name) {
        this.name = name;
    }

    @Override
    protected String getFullyQualifiedCallerName() {
        return null;
    }

    @Override
    protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] args, Throwable t) {
        String msg = MessageFormatter.basicArrayFormat(pattern, args);
        String trace = "";
        if (t != null) {
            StringWriter sw = new StringWriter();
            t.printStackTrace(new PrintWriter(sw));
            trace = "\n" + sw;
        }
        OUT.println(line(Instant.now().toString(), level, name, msg, trace, LogSettings.json()));
    }

    /** One log line; {@code trace} (a stack trace, or "") is the only part that may span lines in text format. */
    static String line(String ts, Level level, String name, String msg, String trace, boolean json) {
        if (json) {
            return "{\"ts\":\"" + ts + "\",\"level\":\"" + level.name().toLowerCase(java.util.Locale.ROOT)
                    + "\",\"logger\":\"" + escape(name, true) + "\",\"msg\":\"" + escape(msg + trace, true) + "\"}";
        }
        // Arguments can carry client input (paths, parse errors quoting a body): a newline or tab there must not
        // start a forged line or field.
        return ts + "\t" + level.name().toLowerCase(java.util.Locale.ROOT) + "\t" + shortName(name) + "\t"
                + escape(msg, false) + trace;
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

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
        if (t != null) {
            StringWriter sw = new StringWriter();
            t.printStackTrace(new PrintWriter(sw));
            msg = msg + "\n" + sw;
        }
        String ts = Instant.now().toString();
        String line;
        if (LogSettings.json()) {
            line = "{\"ts\":\"" + ts + "\",\"level\":\"" + level.name().toLowerCase(java.util.Locale.ROOT)
                    + "\",\"logger\":\"" + escape(name) + "\",\"msg\":\"" + escape(msg) + "\"}";
        } else {
            line = ts + "\t" + level.name().toLowerCase(java.util.Locale.ROOT) + "\t" + shortName() + "\t" + msg;
        }
        OUT.println(line);
    }

    private String shortName() {
        int dot = name.lastIndexOf('.');
        return dot < 0 ? name : name.substring(dot + 1);
    }

    private static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
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

package io.tsgate.log;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.Marker;
import org.slf4j.MarkerFactory;
import org.slf4j.event.Level;

/** The marker of lines that already took their cap's budget, and the summary line of what a cap suppressed. */
public final class CappedLines {
    /** On a line whose caller already took its budget ({@link LogSettings#admitDenial()}). */
    public static final Marker ADMITTED = MarkerFactory.getMarker("tsgate-admitted");
    private static final Logger LOG = LoggerFactory.getLogger("io.tsgate.log");

    private CappedLines() {
    }

    /** {@code lines}: {@code denied} for denial lines, {@code other} for the rest of that level. */
    static void summarise(Level level, LineCap cap, String flag, String lines) {
        long n = cap.takeUnsummarised();
        if (n > 0 && LogSettings.enabled(level)) {
            // ADMITTED: the summary of a flood must not be swallowed by the same flood.
            LOG.atWarn().addMarker(ADMITTED).setMessage("log lines suppressed over the per-second limit")
                    .addKeyValue("suppressed", n)
                    .addKeyValue("suppressed_level", level.name().toLowerCase(java.util.Locale.ROOT))
                    .addKeyValue("lines", lines)
                    .addKeyValue("flag", "-" + flag).addKeyValue("limit", cap.perSecond())
                    .log();
        }
    }
}

package io.tsgate.reload;

import java.time.Clock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A config read as text and parsed into {@code T}, reloaded on demand (SIGHUP, a check interval): an unchanged text
 * is not parsed again, a changed valid one replaces what is in force, and one that cannot be read or parsed leaves
 * the last good value in force. Each outcome goes to the log and to the file's {@link ReloadMetrics} tracker. Reloads
 * run on background threads and are serialised; {@link #get()} is a volatile read for the request path.
 *
 * @param <T> what the text parses into
 */
public final class ReloadedText<T> implements Supplier<T> {
    private static final Logger LOG = LoggerFactory.getLogger(ReloadedText.class);

    /** Reads the text, blocking (a file or a URL). */
    @FunctionalInterface
    public interface Reader {
        String read() throws Exception;
    }

    /** Parses the text; an exception means it is invalid. */
    @FunctionalInterface
    public interface Parser<T> {
        T parse(String text) throws Exception;
    }

    private final String what;
    private final Reader reader;
    private final Parser<T> parser;
    private final Clock clock;
    private final ReloadMetrics.Tracker status;
    private volatile T current;
    private String lastText;

    /**
     * @param what  the flag and its file, for log lines ("-ratelimit.config limits.yaml")
     * @param first what the text {@code text} parsed into at start-up
     */
    public ReloadedText(String what, Reader reader, Parser<T> parser, T first, String text, Clock clock,
                        ReloadMetrics.Tracker status) {
        this.what = what;
        this.reader = reader;
        this.parser = parser;
        this.current = first;
        this.lastText = text;
        this.clock = clock;
        this.status = status;
    }

    @Override
    public T get() {
        return current;
    }

    /** Reads the text again; true when what is in force now matches it, false when it is broken (old value kept). */
    public synchronized boolean reload() {
        try {
            String text = reader.read();
            if (!text.equals(lastText)) {
                T next = parser.parse(text);
                current = next;
                lastText = text;
                LOG.info("reloaded {} from {}", next, what);
            }
            status.succeeded(clock.instant().getEpochSecond());
            return true;
        } catch (Exception e) {
            status.failed();
            LOG.warn("cannot reload {}; keeping the previous {}: {}", what, current, e.getMessage());
            return false;
        }
    }
}

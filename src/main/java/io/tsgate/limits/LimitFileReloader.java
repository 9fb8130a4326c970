package io.tsgate.limits;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds the limit file in force and reloads it (SIGHUP, every {@code -ratelimit.configCheckInterval}): a reload reads
 * and validates the whole file, then swaps the new snapshot in atomically; a file that cannot be read or parsed is
 * logged and the old limits stay. Exports {@code tsgate_config_last_reload_successful{config="ratelimit"}} (vmauth's
 * model), the time of the last successful reload and a count of failed ones.
 */
public final class LimitFileReloader implements Supplier<LimitRules> {
    private static final Logger LOG = LoggerFactory.getLogger(LimitFileReloader.class);

    /** Reads the file's text; a path or URL, blocking (called from the background only). */
    public interface Source {
        String read() throws Exception;

        /** Where the file comes from, for messages. */
        String name();
    }

    private final Source source;
    private final Clock clock;
    private final AtomicReference<LimitRules> current = new AtomicReference<>();
    private volatile boolean lastOk;
    private volatile long lastSuccessEpochSecond;
    private volatile String lastText;
    private final AtomicLong failures = new AtomicLong();

    private LimitFileReloader(Source source, Clock clock, LimitRules first, String text, ConfigReloadGauges gauges) {
        this.source = source;
        this.clock = clock;
        this.current.set(first);
        this.lastText = text;
        this.lastOk = true;
        this.lastSuccessEpochSecond = clock.instant().getEpochSecond();
        gauges.track("ratelimit", () -> lastOk, () -> lastSuccessEpochSecond, failures::get);
    }

    /** Loads the file once; a start-up failure is an error (nothing starts half-configured). */
    public static LimitFileReloader load(Source source, Clock clock, PrometheusRegistry registry)
            throws InvalidLimitFileException {
        return load(source, clock, new ConfigReloadGauges(registry));
    }

    /** {@link #load(Source, Clock, PrometheusRegistry)} reporting into metrics shared with other reloaded files. */
    public static LimitFileReloader load(Source source, Clock clock, ConfigReloadGauges gauges)
            throws InvalidLimitFileException {
        String text;
        try {
            text = source.read();
        } catch (Exception e) {
            throw new InvalidLimitFileException("-ratelimit.config: cannot read " + source.name() + ": " + e.getMessage());
        }
        LimitRules rules = LimitFile.parse(text, "-ratelimit.config " + source.name());
        LOG.info("loaded {} from {}", rules, source.name());
        return new LimitFileReloader(source, clock, rules, text, gauges);
    }

    @Override
    public LimitRules get() {
        return current.get();
    }

    /** Reads and validates the file again; keeps the old limits when it is broken. Returns whether it succeeded. */
    public synchronized boolean reload() {
        try {
            String text = source.read();
            if (!text.equals(lastText)) {
                LimitRules rules = LimitFile.parse(text, "-ratelimit.config " + source.name());
                current.set(rules);
                lastText = text;
                LOG.info("reloaded {} from {}", rules, source.name());
            }
            lastOk = true;
            lastSuccessEpochSecond = clock.instant().getEpochSecond();
            return true;
        } catch (Exception e) {
            lastOk = false;
            failures.incrementAndGet();
            LOG.warn("cannot reload -ratelimit.config {}; keeping the previous {}: {}", source.name(), current.get(),
                    e.getMessage());
            return false;
        }
    }
}

package io.tsgate.limits;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tsgate.reload.ReloadMetrics;
import io.tsgate.reload.ReloadedText;
import java.time.Clock;
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

    private final ReloadedText<LimitRules> text;

    private LimitFileReloader(ReloadedText<LimitRules> text) {
        this.text = text;
    }

    /** Loads the file once, with its own reload metrics in {@code registry}. */
    public static LimitFileReloader load(Source source, Clock clock, PrometheusRegistry registry)
            throws InvalidLimitFileException {
        return load(source, clock, new ReloadMetrics(registry));
    }

    /** Loads the file once; a start-up failure is an error (nothing starts half-configured). */
    public static LimitFileReloader load(Source source, Clock clock, ReloadMetrics metrics)
            throws InvalidLimitFileException {
        String text;
        try {
            text = source.read();
        } catch (Exception e) {
            throw new InvalidLimitFileException("-ratelimit.config: cannot read " + source.name() + ": " + e.getMessage());
        }
        String what = "-ratelimit.config " + source.name();
        LimitRules rules = LimitFile.parse(text, what);
        LOG.info("loaded {} from {}", rules, source.name());
        return new LimitFileReloader(new ReloadedText<>(what, source::read, t -> LimitFile.parse(t, what), rules, text,
                clock, metrics.track("ratelimit", clock.instant().getEpochSecond())));
    }

    @Override
    public LimitRules get() {
        return text.get();
    }

    /** Reads and validates the file again; keeps the old limits when it is broken. Returns whether it succeeded. */
    public boolean reload() {
        return text.reload();
    }
}

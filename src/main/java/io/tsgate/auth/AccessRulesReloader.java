package io.tsgate.auth;

import io.tsgate.reload.ReloadMetrics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds the access rules in force and reloads {@code -auth.accessRules} (on SIGHUP and every
 * {@code -auth.accessRulesCheckInterval}): a changed file is parsed and validated whole, then swapped in at once; a
 * file that cannot be read or parsed is logged and the last good rules stay
 * ({@code tsgate_config_last_reload_successful{config="access_rules"}} turns 0). A swap hands out a new
 * {@link AccessRules} instance, which is what makes the verified-token cache drop its decisions.
 */
public final class AccessRulesReloader implements Supplier<AccessRules> {
    private static final Logger LOG = LoggerFactory.getLogger(AccessRulesReloader.class);
    private final Path file;
    private final Clock clock;
    private final ReloadMetrics.Tracker status;
    private volatile AccessRules current;
    private String lastText;

    private AccessRulesReloader(Path file, Clock clock, AccessRules first, String text, ReloadMetrics metrics) {
        this.file = file;
        this.clock = clock;
        this.current = first;
        this.lastText = text;
        this.status = metrics.track("access_rules", clock.instant().getEpochSecond());
    }

    /** Loads the file once; any problem is an {@link IllegalArgumentException} naming the file, rule and field. */
    public static AccessRulesReloader load(Path file, Clock clock, ReloadMetrics metrics) {
        String text = read(file);
        AccessRules rules = AccessRulesFile.parse(text, "-auth.accessRules " + file);
        LOG.info("loaded {}", rules);
        return new AccessRulesReloader(file, clock, rules, text, metrics);
    }

    @Override
    public AccessRules get() {
        return current;
    }

    /** Re-reads the file; a changed valid file replaces the rules. False (old rules kept) when it is broken. */
    public synchronized boolean reload() {
        try {
            String text = read(file);
            if (!text.equals(lastText)) {
                AccessRules rules = AccessRulesFile.parse(text, "-auth.accessRules " + file);
                current = rules;
                lastText = text;
                LOG.info("reloaded {}", rules);
            }
            status.succeeded(clock.instant().getEpochSecond());
            return true;
        } catch (IllegalArgumentException e) {
            status.failed();
            LOG.warn("cannot reload -auth.accessRules; keeping the previous {}: {}", current, e.getMessage());
            return false;
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("-auth.accessRules: cannot read " + file + " ("
                    + e.getClass().getSimpleName() + "); check the path and its permissions");
        }
    }
}

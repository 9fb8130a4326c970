package io.tsgate.auth;

import io.tsgate.reload.ReloadMetrics;
import io.tsgate.reload.ReloadedText;
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
    private final ReloadedText<AccessRules> text;

    private AccessRulesReloader(ReloadedText<AccessRules> text) {
        this.text = text;
    }

    /** Loads the file once; any problem is an {@link IllegalArgumentException} naming the file, rule and field. */
    public static AccessRulesReloader load(Path file, Clock clock, ReloadMetrics metrics) {
        String text = read(file);
        String what = "-auth.accessRules " + file;
        AccessRules rules = AccessRulesFile.parse(text, what);
        LOG.info("loaded {}", rules);
        return new AccessRulesReloader(new ReloadedText<>(what, () -> read(file), t -> AccessRulesFile.parse(t, what),
                rules, text, clock, metrics.track("access_rules", clock.instant().getEpochSecond())));
    }

    @Override
    public AccessRules get() {
        return text.get();
    }

    /** Re-reads the file; a changed valid file replaces the rules. False (old rules kept) when it is broken. */
    public boolean reload() {
        return text.reload();
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

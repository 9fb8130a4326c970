package io.tsgate;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Properties;

/**
 * What was built: the project version (Maven resource filtering) and the git revision (written at build time, or
 * {@code unknown}). Read from the class path, so a jar and {@code target/classes} say the same; {@code dev} and
 * {@code unknown} when run from sources that were never built by Maven.
 */
public record BuildInfo(String version, String revision) {
    private static final BuildInfo CURRENT = load();

    public static BuildInfo current() {
        return CURRENT;
    }

    private static BuildInfo load() {
        Properties p = new Properties();
        String revision = "unknown";
        try (InputStream in = BuildInfo.class.getResourceAsStream("build.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            // Left at the defaults below: a missing resource must not stop -version or start-up.
        }
        try (InputStream in = BuildInfo.class.getResourceAsStream("build-revision")) {
            if (in != null) {
                String r = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
                revision = r.isEmpty() ? revision : r;
            }
        } catch (IOException e) {
            // As above.
        }
        String version = p.getProperty("version", "dev");
        return new BuildInfo(version.startsWith("${") ? "dev" : version, revision);
    }

    /** {@code tsgate 0.1.0 (revision abc123)}: the line {@code -version} prints. */
    public String line() {
        return "tsgate " + version + " (revision " + revision + ")";
    }
}

package io.tsgate.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Makes sure a binary from a Debian package is present before a test starts it: installs the package when running
 * as root, otherwise fails with the exact command to run.
 */
public final class DebianPackages {

    private static boolean aptUpdated;

    private DebianPackages() {
    }

    /** Returns {@code binary} once it exists and is executable, installing {@code pkg} with apt-get if needed. */
    public static synchronized Path ensureInstalled(String binary, String pkg) {
        Path path = Path.of(binary);
        if (Files.isExecutable(path)) {
            return path;
        }
        if (!runningAsRoot()) {
            throw new IllegalStateException(binary + " is missing and tests do not run as root; install it with: "
                    + "sudo apt-get update && sudo apt-get install -y " + pkg);
        }
        if (!aptUpdated) {
            run(List.of("apt-get", "update"));
            aptUpdated = true;
        }
        run(List.of("apt-get", "install", "-y", pkg));
        if (!Files.isExecutable(path)) {
            throw new IllegalStateException("installed package " + pkg + " but " + binary + " is still missing");
        }
        return path;
    }

    private static boolean runningAsRoot() {
        try {
            Process id = new ProcessBuilder("id", "-u").redirectErrorStream(true).start();
            String uid = new String(id.getInputStream().readAllBytes()).trim();
            return id.waitFor() == 0 && uid.equals("0");
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static void run(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.INHERIT).start();
            p.getOutputStream().close();
            if (!p.waitFor(15, TimeUnit.MINUTES) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IllegalStateException("command failed: " + String.join(" ", command));
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + String.join(" ", command), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + String.join(" ", command), e);
        }
    }
}

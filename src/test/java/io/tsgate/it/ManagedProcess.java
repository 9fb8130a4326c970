package io.tsgate.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * One external server process started for integration tests: its command, a log file that collects stdout and
 * stderr, a readiness condition polled against a deadline, and destruction on close.
 *
 * <p>Used by {@link VictoriaMetricsServer}; nginx and redis-server can reuse it the same way.
 */
public final class ManagedProcess implements AutoCloseable {

    private final String name;
    private final Process process;
    private final Path logFile;

    private ManagedProcess(String name, Process process, Path logFile) {
        this.name = name;
        this.process = process;
        this.logFile = logFile;
    }

    /**
     * Starts {@code command}, then polls {@code ready} until it holds or {@code timeout} passes. Fails with the
     * tail of the log when the process exits early or never becomes ready.
     */
    public static ManagedProcess start(String name, List<String> command, Path logFile, Duration timeout,
                                       BooleanSupplier ready) throws IOException {
        return start(name, command, logFile, timeout, ready, null);
    }

    /** {@link #start(String, List, Path, Duration, BooleanSupplier)} in {@code workDir} (null: the test's own). */
    public static ManagedProcess start(String name, List<String> command, Path logFile, Duration timeout,
                                       BooleanSupplier ready, Path workDir) throws IOException {
        Files.createDirectories(logFile.getParent());
        Process process = new ProcessBuilder(command)
                .directory(workDir == null ? null : workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                .start();
        ManagedProcess managed = new ManagedProcess(name, process, logFile);
        try {
            managed.awaitReady(timeout, ready);
        } catch (RuntimeException e) {
            managed.close();
            throw e;
        }
        return managed;
    }

    private void awaitReady(Duration timeout, BooleanSupplier ready) {
        Instant deadline = Instant.now().plus(timeout);
        while (true) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with code " + process.exitValue()
                        + " before becoming ready; log " + logFile + ":\n" + logTail());
            }
            if (ready.getAsBoolean()) {
                return;
            }
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException(name + " not ready within " + timeout + "; log " + logFile + ":\n"
                        + logTail());
            }
            Await.pause();
        }
    }

    public Path logFile() {
        return logFile;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The last lines of the process log, for failure messages. */
    public String logTail() {
        try {
            List<String> lines = Files.readAllLines(logFile);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    /** SIGTERM, as Kubernetes and systemd stop a container or service; returns at once. */
    public void terminate() {
        process.destroy();
    }

    /** The exit code once the process has ended within {@code timeout}, or null while it still runs. */
    public Integer awaitExit(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : null;
    }

    /** SIGKILL, as a crash or the OOM killer ends it: no shutdown of its own, its sockets reset by the kernel. */
    public void kill() {
        try {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}

package io.tsgate.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A real {@code redis-server} (Debian package {@code redis-server}) on a loopback port with no persistence, owned by
 * the test that starts it. {@link #restart()} stops and starts it on the same port, losing all data, as a crash
 * would.
 */
public final class RedisServer implements AutoCloseable {

    public static final String BINARY = "/usr/bin/redis-server";
    public static final String PACKAGE = "redis-server";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);

    private final Path binary;
    private final Path workDir;
    private final int port;
    private ManagedProcess process;
    private int starts;

    private RedisServer(Path binary, Path workDir, int port) {
        this.binary = binary;
        this.workDir = workDir;
        this.port = port;
    }

    /** Installs the package if missing and starts a server on a free loopback port. */
    public static RedisServer start() throws IOException {
        Path binary = DebianPackages.ensureInstalled(BINARY, PACKAGE);
        Path workDir = Files.createTempDirectory("tsgate-it-redis");
        return FreePort.retrying(() -> {
            RedisServer server = new RedisServer(binary, workDir, FreePort.pick());
            server.launch();
            return server;
        });
    }

    private void launch() throws IOException {
        List<String> command = List.of(binary.toString(), "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", workDir.toString(), "--protected-mode", "no");
        process = ManagedProcess.start("redis-server", command, workDir.resolve("redis-" + port + "-" + (starts++) + ".log"),
                START_TIMEOUT, this::answersPing);
    }

    public int port() {
        return port;
    }

    /** {@code redis://127.0.0.1:<port>}, as Lettuce takes it. */
    public URI uri() {
        return URI.create("redis://127.0.0.1:" + port);
    }

    /** Stops the server (data is lost) without starting it again. */
    public void stop() {
        if (process != null) {
            process.close();
            process = null;
        }
    }

    /** Kills the server with SIGKILL (data is lost); {@link #startAgain()} brings up an empty one. */
    public void kill() {
        if (process != null) {
            process.kill();
            process = null;
        }
    }

    /** Starts the server again on the same port after {@link #stop()} or {@link #kill()}. */
    public void startAgain() throws IOException {
        if (process == null) {
            launch();
        }
    }

    /** Stop, then start on the same port: an empty Redis, as after a crash without persistence. */
    public void restart() throws IOException {
        stop();
        launch();
    }

    /** Sends one inline command and returns the raw first reply line (e.g. {@code +PONG}, {@code :3}). */
    public String command(String inline) {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(2000);
            OutputStream out = s.getOutputStream();
            out.write((inline + "\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = s.getInputStream();
            StringBuilder line = new StringBuilder();
            int c;
            while ((c = in.read()) >= 0 && c != '\n') {
                if (c != '\r') {
                    line.append((char) c);
                }
            }
            return line.toString();
        } catch (IOException e) {
            return "-ERR " + e;
        }
    }

    private boolean answersPing() {
        return command("PING").equals("+PONG");
    }

    @Override
    public void close() {
        stop();
    }
}

package io.tsgate.it;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.function.IntFunction;

/**
 * A real nginx (Debian package {@code nginx}) in the foreground with its own prefix directory, configuration and
 * document root, listening on one loopback port, owned by the test that starts it.
 *
 * <p>The caller supplies the {@code server { … }} blocks (and any other {@code http}-level directives) as a function
 * of the port; {@link #root()} is a directory the caller may fill with static files (served by a
 * {@code root} directive pointing at it) — swapping a file there is visible to the next request without a reload.
 */
public final class NginxServer implements AutoCloseable {

    public static final String BINARY = "/usr/sbin/nginx";
    public static final String PACKAGE = "nginx";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);

    private final ManagedProcess process;
    private final Path prefix;
    private final int port;

    private NginxServer(ManagedProcess process, Path prefix, int port) {
        this.process = process;
        this.prefix = prefix;
        this.port = port;
    }

    /**
     * Installs nginx if missing, writes {@code nginx.conf} around {@code httpBlock.apply(port)} and starts it.
     * Placeholders in the block: {@code {root}} (the document root) and {@code {prefix}} (the prefix directory).
     */
    public static NginxServer start(IntFunction<String> httpBlock) throws IOException {
        Path binary = DebianPackages.ensureInstalled(BINARY, PACKAGE);
        // nginx workers run as "nobody" when the master runs as root: the prefix must be world-readable.
        Path prefix = Files.createTempDirectory("tsgate-it-nginx",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        Path root = Files.createDirectories(prefix.resolve("root"));
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createDirectories(prefix.resolve("logs"));
        Files.createDirectories(prefix.resolve("tmp"));
        return FreePort.retrying(() -> {
            int port = FreePort.pick();
            String block = httpBlock.apply(port).replace("{root}", root.toString()).replace("{prefix}", prefix.toString());
            Path conf = prefix.resolve("nginx.conf");
            Files.writeString(conf, config(prefix, block));
            List<String> command = List.of(binary.toString(), "-p", prefix.toString(), "-c", conf.toString(),
                    "-e", prefix.resolve("logs/error.log").toString(), "-g", "daemon off;");
            try {
                ManagedProcess process = ManagedProcess.start("nginx", command,
                        prefix.resolve("logs/nginx-" + port + ".log"), START_TIMEOUT, () -> listening(port));
                return new NginxServer(process, prefix, port);
            } catch (IllegalStateException e) {
                // nginx reports a taken port in its error log: "bind() to 127.0.0.1:PORT failed (98: Address already in use)";
                // the log is truncated per attempt so an earlier attempt's failure is not read again.
                Path errors = prefix.resolve("logs/error.log");
                String bindFailure = !Files.exists(errors) ? "" : Files.readAllLines(errors).stream()
                        .filter(l -> l.contains("Address already in use")).findFirst().orElse("");
                Files.deleteIfExists(errors);
                throw new IllegalStateException(e.getMessage() + "\n" + bindFailure, e);
            }
        });
    }

    private static String config(Path prefix, String block) {
        String tmp = prefix.resolve("tmp").toString();
        return "worker_processes 1;\n"
                + "pid " + prefix.resolve("nginx.pid") + ";\n"
                + "error_log " + prefix.resolve("logs/error.log") + " info;\n"
                + "events { worker_connections 256; }\n"
                + "http {\n"
                + "  access_log " + prefix.resolve("logs/access.log") + ";\n"
                + "  client_body_temp_path " + tmp + "/body;\n"
                + "  proxy_temp_path " + tmp + "/proxy;\n"
                + "  fastcgi_temp_path " + tmp + "/fastcgi;\n"
                + "  uwsgi_temp_path " + tmp + "/uwsgi;\n"
                + "  scgi_temp_path " + tmp + "/scgi;\n"
                + "  types { application/json json; text/plain txt; }\n"
                + "  default_type application/octet-stream;\n"
                + block + "\n"
                + "}\n";
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    public int port() {
        return port;
    }

    public URI baseUri() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /** The document root placeholder {@code {root}} stands for. */
    public Path root() {
        return prefix.resolve("root");
    }

    /** nginx's error log, for failure messages. */
    public Path errorLog() {
        return prefix.resolve("logs/error.log");
    }

    @Override
    public void close() {
        process.close();
    }
}

package io.tsgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.envoyproxy.envoy.config.core.v3.HeaderMap;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.StreamObserver;
import io.tsgate.cli.TokenCommand;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shaded jar stopped as Kubernetes stops it (SIGTERM) while Checks stream over one open gRPC connection and
 * forward-auth requests over one HTTP keep-alive connection: no request fails during {@code -http.shutdownDelay},
 * {@code /ready} answers 503 and gRPC health NOT_SERVING from the start of it while {@code /health} stays 200, an
 * ext_proc stream open when draining starts still completes, the idle keep-alive connection is closed, each step is
 * logged, and the process exits 0 within the delay plus {@code -http.maxGracefulShutdownDuration}.
 */
class GracefulShutdownIT {
    private static final Path JAR = Path.of("target", "tsgate.jar").toAbsolutePath();
    private static final Duration DELAY = Duration.ofSeconds(8);
    private static final Duration MAX_GRACEFUL = Duration.ofSeconds(4);
    /**
     * Requests each load must complete after {@code /ready} turned 503, before the load stops: a few hundred a second
     * each on a busy two-core machine, so well within the delay; timeouts are generous for the same reason.
     */
    private static final int CHECKS_DURING_DELAY = 100;
    private static final int HTTP_DURING_DELAY = 50;
    private static final int FAILED = -2;

    @Test
    void sigtermFailsNoRequestAndExitsZero(@TempDir Path dir) throws Exception {
        assertTrue(Files.isRegularFile(JAR), JAR + " missing: run through mvn verify (package builds it)");
        String token = token(dir);
        HttpClient client = HttpClient.newHttpClient();
        FreePort.Started<ManagedProcess> jar = FreePort.retrying(2, ports -> ManagedProcess.start("drain",
                List.of("java", "-jar", JAR.toString(), "-enable.auth", "-auth.publicKeyFiles=" + dir.resolve("key.pem"),
                        "-grpcListenAddr=127.0.0.1:" + ports[0], "-httpListenAddr=127.0.0.1:" + ports[1],
                        "-http.shutdownDelay=" + DELAY.toSeconds() + "s",
                        "-http.maxGracefulShutdownDuration=" + MAX_GRACEFUL.toSeconds() + "s"),
                dir.resolve("drain-" + ports[0] + ".log"), Duration.ofSeconds(60),
                () -> status(client, ports[1], "/ready") == 200));
        int http = jar.port(1);
        ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", jar.port(0)).usePlaintext().build();
        try (ManagedProcess p = jar.server(); Socket keepAlive = new Socket("127.0.0.1", http)) {
            Load load = new Load(channel, keepAlive, token);
            load.start();
            Await.until("load flowing", Duration.ofSeconds(30), load::progress,
                    n -> n.checks() >= 50 && n.http() >= 20 || load.failures() > 0);
            assertEquals(0, load.failures(), "failed requests before SIGTERM; first: " + load.firstFailure());
            ExtProcCall extProc = new ExtProcCall(channel);
            extProc.send(ProcessingRequest.newBuilder().setRequestHeaders(headers("/api/v1/query")).build());
            assertTrue(extProc.reply().hasRequestHeaders(), "an ext_proc stream open before SIGTERM");

            long sigterm = System.nanoTime();
            p.terminate();
            Await.until("/ready to answer 503, or a request to fail", Duration.ofSeconds(3),
                    () -> load.failures() > 0 ? FAILED : status(client, http, "/ready"), s -> s == 503 || s == FAILED);
            assertEquals(0, load.failures(), "failed requests after SIGTERM; first: " + load.firstFailure());
            Progress atUnready = load.progress();
            assertEquals(200, status(client, http, "/health"), "liveness stays 200 while draining");
            assertEquals(HealthCheckResponse.ServingStatus.NOT_SERVING, HealthGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(5, TimeUnit.SECONDS).check(HealthCheckRequest.getDefaultInstance()).getStatus());
            Await.until("requests decided while unready", DELAY, load::progress,
                    n -> n.checks() - atUnready.checks() >= CHECKS_DURING_DELAY
                            && n.http() - atUnready.http() >= HTTP_DURING_DELAY || load.failures() > 0);
            load.stop();
            Progress decided = load.progress();
            assertFalse(Files.readString(p.logFile()).contains("draining:"),
                    "the load ran within -http.shutdownDelay; the machine is too slow for this test:\n" + p.logTail());
            assertEquals(0, load.failures(), "failed requests during the delay; first: " + load.firstFailure());

            Await.until("draining to start", DELAY.plusSeconds(5), () -> logOf(p), log -> log.contains("draining:"));
            extProc.send(ProcessingRequest.newBuilder().setResponseHeaders(HttpHeaders.getDefaultInstance()).build());
            assertTrue(extProc.reply().hasResponseHeaders(), "the ext_proc stream still answers while draining");
            extProc.complete();
            assertTrue(extProc.closedOk(), "the ext_proc stream ends normally, not cut");
            assertTrue(closedByServer(keepAlive), "the idle keep-alive connection is closed when draining");

            Integer code = p.awaitExit(DELAY.plus(MAX_GRACEFUL).plusSeconds(10));
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sigterm);
            assertNotNull(code, "still running " + tookMillis + " ms after SIGTERM:\n" + p.logTail());
            assertEquals(0, code, p.logTail());
            assertTrue(tookMillis >= DELAY.toMillis(), "kept deciding for the whole delay, exited after " + tookMillis);
            assertTrue(tookMillis < DELAY.plus(MAX_GRACEFUL).plusSeconds(5).toMillis(), "exited after " + tookMillis);
            assertPhasesLoggedInOrder(logOf(p));
            System.out.printf("SIGTERM to exit 0: %d ms; while unready, %d Checks and %d forward-auth requests decided,"
                    + " none failed%n", tookMillis, decided.checks() - atUnready.checks(), decided.http() - atUnready.http());
        } finally {
            channel.shutdownNow();
        }
    }

    private static void assertPhasesLoggedInOrder(String log) {
        int at = -1;
        for (String phase : List.of("SIGTERM received", "shutting down:", "draining:", "drained:", "stopped")) {
            int next = log.indexOf(phase, at + 1);
            assertTrue(next > at, "no \"" + phase + "\" after the previous step in:\n" + log);
            at = next;
        }
    }

    private static String token(Path dir) {
        assertEquals(0, TokenCommand.run(List.of("keygen", "-family=P-256", "-dir=" + dir, "-name=key"),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), System.err));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertEquals(0, TokenCommand.run(List.of("-key=" + dir.resolve("key.key"), "-kid=key", "-mode=read"),
                new PrintStream(out, true, StandardCharsets.UTF_8), System.err));
        return out.toString(StandardCharsets.UTF_8).trim();
    }

    private static HttpHeaders headers(String path) {
        return HttpHeaders.newBuilder().setHeaders(HeaderMap.newBuilder()
                .addHeaders(HeaderValue.newBuilder().setKey(":method").setRawValue(com.google.protobuf.ByteString.copyFromUtf8("GET")))
                .addHeaders(HeaderValue.newBuilder().setKey(":path").setRawValue(com.google.protobuf.ByteString.copyFromUtf8(path))))
                .setEndOfStream(true).build();
    }

    private static int status(HttpClient client, int port, String path) {
        try {
            return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static String logOf(ManagedProcess p) {
        try {
            return Files.readString(p.logFile());
        } catch (IOException e) {
            return "";
        }
    }

    /** True when the server ends the connection (end of stream) within a few seconds. */
    private static boolean closedByServer(Socket s) throws IOException {
        s.setSoTimeout(5000);
        try {
            return s.getInputStream().read() == -1;
        } catch (java.net.SocketTimeoutException e) {
            return false;
        } catch (java.net.SocketException e) {
            return true; // reset: closed all the same
        }
    }

    record Progress(long checks, long http) {
    }

    /** Checks on two threads over one gRPC channel, and forward-auth requests one after another on one socket. */
    private static final class Load {
        private final ManagedChannel channel;
        private final Socket socket;
        private final String token;
        private final AtomicLong checks = new AtomicLong();
        private final AtomicLong httpOk = new AtomicLong();
        private final AtomicLong failures = new AtomicLong();
        private final AtomicReference<String> firstFailure = new AtomicReference<>();
        private final List<Thread> threads = new ArrayList<>();
        private volatile boolean stopping;

        Load(ManagedChannel channel, Socket socket, String token) {
            this.channel = channel;
            this.socket = socket;
            this.token = token;
        }

        void start() {
            for (int i = 0; i < 2; i++) {
                threads.add(new Thread(this::checks, "load-grpc-" + i));
            }
            threads.add(new Thread(this::forwardAuth, "load-http"));
            threads.forEach(Thread::start);
        }

        void stop() throws InterruptedException {
            stopping = true;
            for (Thread t : threads) {
                t.join(TimeUnit.SECONDS.toMillis(10));
            }
        }

        Progress progress() {
            return new Progress(checks.get(), httpOk.get());
        }

        long failures() {
            return failures.get();
        }

        String firstFailure() {
            return firstFailure.get();
        }

        private void fail(String what) {
            failures.incrementAndGet();
            firstFailure.compareAndSet(null, what);
        }

        private void checks() {
            CheckRequest request = CheckRequest.newBuilder().setAttributes(AttributeContext.newBuilder()
                    .setRequest(AttributeContext.Request.newBuilder().setHttp(AttributeContext.HttpRequest.newBuilder()
                            .setMethod("GET").setPath("/api/v1/query?query=up").setHost("vm").setProtocol("HTTP/1.1")
                            .putHeaders("authorization", "Bearer " + token)))).build();
            AuthorizationGrpc.AuthorizationBlockingStub stub = AuthorizationGrpc.newBlockingStub(channel);
            while (!stopping) {
                try {
                    int code = stub.withDeadlineAfter(30, TimeUnit.SECONDS).check(request).getStatus().getCode();
                    if (code == 0) {
                        checks.incrementAndGet();
                    } else {
                        fail("Check answered status " + code);
                    }
                } catch (StatusRuntimeException e) {
                    fail("Check failed: " + e.getStatus());
                }
            }
        }

        private void forwardAuth() {
            byte[] request = ("GET /authz-nginx HTTP/1.1\r\nHost: tsgate\r\nX-Original-URI: /api/v1/query?query=up\r\n"
                    + "X-Original-Method: GET\r\nAuthorization: Bearer " + token + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
            try {
                OutputStream out = socket.getOutputStream();
                InputStream in = socket.getInputStream();
                socket.setSoTimeout(30_000);
                while (!stopping) {
                    out.write(request);
                    out.flush();
                    String head = readHead(in);
                    int status = Integer.parseInt(head.substring(9, 12));
                    skip(in, contentLength(head));
                    if (status != 200) {
                        fail("forward-auth answered " + status);
                    } else if (head.toLowerCase(Locale.ROOT).contains("\r\nconnection: close")) {
                        fail("forward-auth ended keep-alive while it should still serve");
                        return;
                    } else {
                        httpOk.incrementAndGet();
                    }
                }
            } catch (IOException | RuntimeException e) {
                fail("forward-auth connection failed: " + e);
            }
        }

        private static String readHead(InputStream in) throws IOException {
            StringBuilder sb = new StringBuilder();
            while (!sb.toString().endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    throw new IOException("connection closed by tsgate after " + sb.length() + " bytes");
                }
                sb.append((char) b);
            }
            return sb.toString();
        }

        private static int contentLength(String head) {
            for (String line : head.split("\r\n")) {
                if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                    return Integer.parseInt(line.substring(15).trim());
                }
            }
            return 0;
        }

        private static void skip(InputStream in, int n) throws IOException {
            if (in.readNBytes(n).length != n) {
                throw new IOException("body cut short");
            }
        }
    }

    /** One ext_proc stream driven message by message, as Envoy's filter drives it for one request. */
    private static final class ExtProcCall {
        private final LinkedBlockingQueue<ProcessingResponse> replies = new LinkedBlockingQueue<>();
        private final CompletableFuture<Void> closed = new CompletableFuture<>();
        private final StreamObserver<ProcessingRequest> requests;

        ExtProcCall(ManagedChannel channel) {
            requests = ExternalProcessorGrpc.newStub(channel).process(new StreamObserver<>() {
                @Override
                public void onNext(ProcessingResponse r) {
                    replies.add(r);
                }

                @Override
                public void onError(Throwable t) {
                    closed.completeExceptionally(t);
                }

                @Override
                public void onCompleted() {
                    closed.complete(null);
                }
            });
        }

        void send(ProcessingRequest r) {
            requests.onNext(r);
        }

        ProcessingResponse reply() throws InterruptedException {
            ProcessingResponse r = replies.poll(10, TimeUnit.SECONDS);
            assertNotNull(r, "no ext_proc reply within 10 s");
            return r;
        }

        void complete() {
            requests.onCompleted();
        }

        boolean closedOk() throws Exception {
            closed.get(10, TimeUnit.SECONDS);
            return true;
        }
    }
}

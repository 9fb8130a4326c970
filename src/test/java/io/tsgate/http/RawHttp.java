package io.tsgate.http;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One HTTP/1.1 connection driven byte by byte: what a proxy, a pipelining client or an attacker writes, and the
 * responses exactly as they come back. Every read has a timeout, so a stalled listener fails a test instead of hanging it.
 */
final class RawHttp implements AutoCloseable {
    /** A response as read off the wire; header names in lower case. */
    record Response(int status, Map<String, String> headers, String body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    private final Socket socket;
    private final InputStream in;
    private final int readTimeoutMillis;
    private final OutputStream out;

    RawHttp(int port, Duration readTimeout) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setTcpNoDelay(true);
        socket.setSoTimeout((int) readTimeout.toMillis());
        in = new BufferedInputStream(socket.getInputStream());
        this.readTimeoutMillis = (int) readTimeout.toMillis();
        out = socket.getOutputStream();
    }

    RawHttp(int port) throws IOException {
        this(port, Duration.ofSeconds(5));
    }

    static String get(String path, String... headerLines) {
        StringBuilder b = new StringBuilder("GET ").append(path).append(" HTTP/1.1\r\nHost: tsgate\r\n");
        for (String h : headerLines) {
            b.append(h).append("\r\n");
        }
        return b.append("\r\n").toString();
    }

    RawHttp send(String text) throws IOException {
        return send(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    RawHttp send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    /** Sends one request and reads its response. */
    Response exchange(String request) throws IOException {
        return send(request).read();
    }

    Response read() throws IOException {
        Response head = readHeaders();
        int length = Integer.parseInt(head.headers().getOrDefault("content-length", "0"));
        byte[] body = in.readNBytes(length);
        if (body.length < length) {
            throw new IOException("connection closed inside a body");
        }
        return new Response(head.status(), head.headers(), new String(body, StandardCharsets.UTF_8));
    }

    /** The status line and headers only (a response to HEAD has no body whatever its Content-Length). */
    Response readHeaders() throws IOException {
        String statusLine = line();
        if (statusLine == null) {
            throw new IOException("connection closed before a response");
        }
        int status = Integer.parseInt(statusLine.split(" ", 3)[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (String l = line(); l != null && !l.isEmpty(); l = line()) {
            int colon = l.indexOf(':');
            headers.put(l.substring(0, colon).trim().toLowerCase(Locale.ROOT), l.substring(colon + 1).trim());
        }
        return new Response(status, headers, "");
    }

    private String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                String s = b.toString(StandardCharsets.ISO_8859_1);
                return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
            }
            b.write(c);
        }
        return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
    }

    /**
     * Whether the server closes the connection within {@code timeout}, reading and dropping whatever it sends first
     * (an error response). False when the connection is still open at the deadline.
     */
    boolean closedByServerWithin(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        byte[] sink = new byte[8192];
        try {
            while (true) {
                long left = (deadline - System.nanoTime()) / 1_000_000;
                if (left <= 0) {
                    return false;
                }
                socket.setSoTimeout((int) Math.max(1, left));
                try {
                    if (in.read(sink) == -1) {
                        return true;
                    }
                } catch (SocketTimeoutException e) {
                    return false;
                } catch (SocketException e) {
                    return true; // reset by the server
                }
            }
        } finally {
            restoreTimeout();
        }
    }

    /** Whether nothing at all (no byte, no close) arrives within {@code wait}; what arrives stays readable. */
    boolean silentFor(Duration wait) throws IOException {
        socket.setSoTimeout((int) wait.toMillis());
        in.mark(1);
        try {
            in.read();
            in.reset();
            return false;
        } catch (SocketTimeoutException e) {
            return true;
        } finally {
            restoreTimeout();
        }
    }

    private void restoreTimeout() throws IOException {
        if (!socket.isClosed()) {
            socket.setSoTimeout(readTimeoutMillis);
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}

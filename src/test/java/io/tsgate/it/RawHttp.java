package io.tsgate.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * HTTP/1.1 over a plain socket, byte for byte. {@code java.net.http} replaces header bytes outside ASCII with
 * {@code ?}, so a test that must send a Content-Type ending in a UTF-8 non-breaking space (or any header as a client
 * could) goes through here. One request per connection ({@code Connection: close}); the response is read to the end
 * and decoded by Content-Length, chunked framing or EOF.
 */
public final class RawHttp {
    private static final int TIMEOUT_MILLIS = 30_000;

    private RawHttp() {
    }

    /** One request header; {@code value} holds the exact bytes sent. */
    public record Header(String name, byte[] value) {
        /** A header whose value is sent as UTF-8. */
        public static Header utf8(String name, String value) {
            return new Header(name, value.getBytes(StandardCharsets.UTF_8));
        }

        /** A header whose value is sent as ISO-8859-1: each char one byte, as Java's HttpServer read it. */
        public static Header latin1(String name, String value) {
            return new Header(name, value.getBytes(StandardCharsets.ISO_8859_1));
        }

        /** Name and value with bytes outside printable ASCII as {@code \xNN}, so a failure message can be replayed. */
        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder(name).append(": ");
            for (byte b : value) {
                int c = b & 0xFF;
                sb.append(c >= 0x20 && c < 0x7F ? String.valueOf((char) c) : String.format("\\x%02X", c));
            }
            return sb.toString();
        }
    }

    /** A response: status, headers (lower-case names, values read as ISO-8859-1) and the de-framed body. */
    public record Response(int status, HeaderList headers, byte[] body) {
        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /**
     * Sends {@code method target} to {@code base}'s host and port with {@code Host}, the given headers in order,
     * {@code Content-Length} when {@code body} is not null, and {@code Connection: close}.
     */
    public static Response send(URI base, String method, String target, List<Header> headers, byte[] body)
            throws IOException {
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        ascii(request, method + " " + target + " HTTP/1.1\r\nHost: " + base.getAuthority() + "\r\n");
        for (Header h : headers) {
            ascii(request, h.name() + ": ");
            request.write(h.value());
            ascii(request, "\r\n");
        }
        if (body != null) {
            ascii(request, "Content-Length: " + body.length + "\r\n");
        }
        ascii(request, "Connection: close\r\n\r\n");
        if (body != null) {
            request.write(body);
        }
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(base.getHost(), base.getPort()), TIMEOUT_MILLIS);
            socket.setSoTimeout(TIMEOUT_MILLIS);
            OutputStream out = socket.getOutputStream();
            out.write(request.toByteArray());
            out.flush();
            return parse(socket.getInputStream().readAllBytes(), method.equals("HEAD"));
        }
    }

    private static void ascii(ByteArrayOutputStream out, String s) {
        out.writeBytes(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    static Response parse(byte[] raw, boolean head) throws IOException {
        int end = indexOf(raw, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), 0);
        if (end < 0) {
            throw new IOException("incomplete HTTP response: " + new String(raw, StandardCharsets.ISO_8859_1));
        }
        String[] lines = new String(raw, 0, end, StandardCharsets.ISO_8859_1).split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ", 3)[1]);
        HeaderList headers = new HeaderList();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.add(lines[i].substring(0, colon).trim(), lines[i].substring(colon + 1).trim());
        }
        byte[] rest = Arrays.copyOfRange(raw, end + 4, raw.length);
        if (head || status == 204 || status == 304 || status / 100 == 1) {
            return new Response(status, headers, new byte[0]);
        }
        String te = headers.first("transfer-encoding");
        if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) {
            return new Response(status, headers, dechunk(rest));
        }
        String cl = headers.first("content-length");
        if (cl != null) {
            int n = Integer.parseInt(cl.trim());
            if (rest.length < n) {
                throw new IOException("response body shorter than its Content-Length");
            }
            return new Response(status, headers, Arrays.copyOf(rest, n));
        }
        return new Response(status, headers, rest);
    }

    private static byte[] dechunk(byte[] in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int i = 0;
        while (true) {
            int eol = indexOf(in, new byte[] {'\r', '\n'}, i);
            if (eol < 0) {
                throw new IOException("truncated chunked body");
            }
            String size = new String(in, i, eol - i, StandardCharsets.ISO_8859_1);
            int semi = size.indexOf(';');
            int n = Integer.parseInt((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
            i = eol + 2;
            if (n == 0) {
                return out.toByteArray();
            }
            if (i + n > in.length) {
                throw new IOException("truncated chunk");
            }
            out.write(in, i, n);
            i += n + 2;
        }
    }

    private static int indexOf(byte[] hay, byte[] needle, int from) {
        outer:
        for (int i = from; i <= hay.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}

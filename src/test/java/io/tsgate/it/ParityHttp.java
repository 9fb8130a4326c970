package io.tsgate.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 over a plain socket, one request per connection: sends exactly the headers and bytes given (repeated
 * headers, any value), which Java's HttpClient does not allow, so a differential test can hand VictoriaMetrics the
 * very request tsgate judged.
 */
final class ParityHttp {
    /** A response read to the end of the stream; status -1 when the server closed before answering. */
    record Response(int status, byte[] body) {
        String text() {
            String t = new String(body, StandardCharsets.UTF_8).strip();
            return t.length() > 300 ? t.substring(0, 300) + "…" : t;
        }
    }

    private ParityHttp() {
    }

    /**
     * POSTs {@code body} with {@code headers} (besides Host, Content-Length and Connection).
     *
     * @throws IOException when the server cannot be reached
     */
    static Response post(int port, String target, List<Map.Entry<String, String>> headers, byte[] body)
            throws IOException {
        StringBuilder head = new StringBuilder("POST ").append(target).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                .append("Content-Length: ").append(body.length).append("\r\nConnection: close\r\n");
        for (Map.Entry<String, String> h : headers) {
            head.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n");
        }
        head.append("\r\n");
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(15_000);
            try {
                OutputStream out = s.getOutputStream();
                out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
                out.write(body);
                out.flush();
                return parse(s.getInputStream());
            } catch (SocketException e) {
                // The server answered (e.g. 400 for a path it does not serve) and closed before reading it all.
                return new Response(-1, e.toString().getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    /** GET {@code target}; status -1 when the server cannot be reached. */
    static Response get(int port, String target) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(15_000);
            s.getOutputStream().write(("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            return parse(s.getInputStream());
        } catch (IOException e) {
            return new Response(-1, new byte[0]);
        }
    }

    private static Response parse(InputStream in) throws IOException {
        byte[] all = in.readAllBytes();
        String text = new String(all, StandardCharsets.ISO_8859_1);
        int sp = text.indexOf(' ');
        int status = sp < 0 ? -1 : Integer.parseInt(text.substring(sp + 1, sp + 4));
        int bodyAt = text.indexOf("\r\n\r\n");
        byte[] body = bodyAt < 0 ? new byte[0] : Arrays.copyOfRange(all, bodyAt + 4, all.length);
        if (text.substring(0, Math.max(0, bodyAt)).toLowerCase(Locale.ROOT).contains("transfer-encoding: chunked")) {
            body = dechunk(body);
        }
        return new Response(status, body);
    }

    private static byte[] dechunk(byte[] b) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int i = 0;
        while (i < b.length) {
            int eol = i;
            while (eol + 1 < b.length && !(b[eol] == '\r' && b[eol + 1] == '\n')) {
                eol++;
            }
            String sizeText = new String(b, i, eol - i, StandardCharsets.ISO_8859_1).split(";")[0].trim();
            int size = sizeText.isEmpty() ? 0 : Integer.parseInt(sizeText, 16);
            if (size == 0) {
                break;
            }
            out.write(b, eol + 2, size);
            i = eol + 2 + size + 2;
        }
        return out.toByteArray();
    }
}

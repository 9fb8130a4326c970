package io.tsgate.http;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.DateFormatter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/** Whole HTTP responses with a known length: every answer of the listener is one of these. */
final class Replies {
    static final String TEXT = "text/plain; charset=utf-8";

    /** The Date header's text for the current second, shared by all event loops. */
    private static volatile DateText date = new DateText(0, "");

    private record DateText(long second, String text) {
    }

    private Replies() {
    }

    /** The {@code Date} header value (RFC 9110 IMF-fixdate), formatted once per second. */
    static String date() {
        long now = System.currentTimeMillis();
        DateText d = date;
        if (d.second() != now / 1000) {
            d = new DateText(now / 1000, DateFormatter.format(new java.util.Date(now)));
            date = d;
        }
        return d.text();
    }

    /** {@code body} and a newline, as plain text. */
    static FullHttpResponse text(int status, String body) {
        return of(status, TEXT, (body + "\n").getBytes(StandardCharsets.UTF_8));
    }

    static FullHttpResponse of(int status, String contentType, byte[] body) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status),
                Unpooled.wrappedBuffer(body));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        return r;
    }

    /** A response without a body ({@code Content-Length: 0}). */
    static FullHttpResponse empty(int status) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status),
                Unpooled.EMPTY_BUFFER);
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
        return r;
    }
}

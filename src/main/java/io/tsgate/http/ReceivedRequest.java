package io.tsgate.http;

import io.netty.handler.codec.http.HttpHeaders;

/**
 * One request as the listener received it, whole.
 *
 * @param rawPath       the request target's path, still percent-encoded ({@link java.net.URI#getRawPath()})
 * @param rawQuery      the query without {@code ?}, still percent-encoded, or null when there is none
 * @param body          the body, at most {@link ExchangeHandler#MAX_BODY} + 1 bytes: one byte more than the limit says
 *                      "larger" without holding it
 * @param remoteAddress the peer's IP address, as text
 */
record ReceivedRequest(String method, String rawPath, String rawQuery, HttpHeaders headers, byte[] body,
                       String remoteAddress) {

    /** Header names and body size only: the values and the body carry credentials. */
    @Override
    public String toString() {
        return "ReceivedRequest[" + method + " " + rawPath + (rawQuery == null ? "" : "?" + rawQuery) + ", headers="
                + headers.names() + " (values ****), body=" + body.length + " bytes, from " + remoteAddress + "]";
    }
}

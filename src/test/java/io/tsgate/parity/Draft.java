package io.tsgate.parity;

import java.util.List;

/**
 * A write body as a grammar drew it, before any Content-Encoding.
 *
 * @param path   the write endpoint
 * @param query  query arguments, each {@code name=value} already percent-encoded as sent (repeats allowed)
 * @param body   the plain body
 * @param recipe the choices that are not visible in the body, for failure messages
 */
public record Draft(String path, List<String> query, byte[] body, String recipe) {
}

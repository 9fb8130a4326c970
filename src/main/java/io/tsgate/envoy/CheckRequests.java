package io.tsgate.envoy;

import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.tsgate.request.BodyCompleteness;
import io.tsgate.request.RequestAttributes;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/** Envoy's {@code CheckRequest} → {@link RequestAttributes}. */
final class CheckRequests {
    private CheckRequests() {
    }

    static RequestAttributes toAttributes(CheckRequest req) {
        AttributeContext attrs = req.getAttributes();
        AttributeContext.HttpRequest http = attrs.getRequest().getHttp();
        Map<String, String> headers = headers(http);
        byte[] body = http.getRawBody().isEmpty() ? http.getBodyBytes().toByteArray() : http.getRawBody().toByteArray();
        String path = http.getPath();
        if (path.isEmpty()) {
            path = headers.getOrDefault(":path", "");
        }
        headers.keySet().removeIf(k -> k.startsWith(":"));
        boolean complete = BodyCompleteness.isComplete(http.getMethod(), body.length, http.getSize(), headers);
        // Context extensions come from Envoy's route configuration, never from the client.
        return new RequestAttributes(http.getMethod(), path, headers, body, complete,
                attrs.getSource().getAddress().getSocketAddress().getAddress(), attrs.getContextExtensionsMap());
    }

    /**
     * The route's {@code attributes.context_extensions} value under {@code key}, or null. Envoy fills them from its
     * own route config ({@code ExtAuthzPerRoute.check_settings.context_extensions}, virtual host and route merged);
     * no client input reaches them, unlike headers.
     */
    static String contextExtension(CheckRequest req, String key) {
        return req.getAttributes().getContextExtensionsOrDefault(key, null);
    }

    private static Map<String, String> headers(AttributeContext.HttpRequest http) {
        Map<String, String> out = new HashMap<>(Math.max(16, http.getHeadersCount() * 2));
        if (http.getHeadersCount() > 0) {
            for (Map.Entry<String, String> e : http.getHeadersMap().entrySet()) {
                out.put(e.getKey().toLowerCase(Locale.ROOT), e.getValue());
            }
        } else {
            for (HeaderValue h : http.getHeaderMap().getHeadersList()) {
                String v = h.getRawValue().isEmpty() ? h.getValue() : h.getRawValue().toString(StandardCharsets.UTF_8);
                out.merge(h.getKey().toLowerCase(Locale.ROOT), v, (a, b) -> a + "," + b);
            }
        }
        return out;
    }
}

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
    /** Zero bytes cannot be written to, so every body-less request shares one array. */
    private static final byte[] NO_BODY = new byte[0];

    private CheckRequests() {
    }

    static RequestAttributes toAttributes(CheckRequest req) {
        AttributeContext attrs = req.getAttributes();
        AttributeContext.HttpRequest http = attrs.getRequest().getHttp();
        Map<String, String> headers;
        String pseudoPath;
        // Envoy sends lower-case keys in the headers map (attribute_context.proto requires it): read that map in
        // place; copy and lower-case only for a sender that does not, or for the raw header list.
        Map<String, String> sent = http.getHeadersMap(); // a new wrapper per call: asked once
        Map<String, String> view = sent.isEmpty() ? null : PseudoHeaderFreeView.over(sent);
        if (view != null) {
            headers = view;
            pseudoPath = http.getPath().isEmpty() ? sent.getOrDefault(":path", "") : "";
        } else {
            Map<String, String> copy = lowerCased(http);
            pseudoPath = copy.getOrDefault(":path", "");
            copy.keySet().removeIf(k -> k.startsWith(":"));
            headers = copy;
        }
        byte[] body = body(http);
        String path = http.getPath().isEmpty() ? pseudoPath : http.getPath();
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

    private static byte[] body(AttributeContext.HttpRequest http) {
        if (!http.getRawBody().isEmpty()) {
            return http.getRawBody().toByteArray();
        }
        return http.getBody().isEmpty() ? NO_BODY : http.getBodyBytes().toByteArray();
    }

    private static Map<String, String> lowerCased(AttributeContext.HttpRequest http) {
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

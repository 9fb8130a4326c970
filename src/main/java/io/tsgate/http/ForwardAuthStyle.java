package io.tsgate.http;

/**
 * How a proxy tells the forward-auth endpoint what the original request was. Each style has its own endpoint, and
 * each endpoint reads only its own style's headers: a header that one proxy sets itself is plain client input
 * behind another, so no endpoint guesses.
 */
public enum ForwardAuthStyle {
    /**
     * Envoy {@code http_service} (and Istio {@code envoyExtAuthzHttp}): {@code /authz} + the original path and query,
     * with the original method. Envoy allows only on 200 and passes any other status and body to the client.
     */
    ENVOY("/authz", "forward_auth", null, null, null),
    /**
     * nginx {@code auth_request}: the config sets {@code X-Original-URI $request_uri} and
     * {@code X-Original-Method $request_method}. nginx turns any subrequest status but 401 and 403 into 500, so
     * every other denial answers 403 and carries the real status in {@code x-tsgate-status}.
     */
    NGINX("/authz-nginx", "forward_auth_nginx", "x-original-uri", "x-original-method", null),
    /**
     * Traefik {@code forwardAuth} and Caddy {@code forward_auth}: {@code X-Forwarded-Uri}, {@code X-Forwarded-Method},
     * {@code X-Forwarded-Host}, which both proxies set themselves, overwriting what the client sent. The real status
     * passes through.
     */
    FORWARDED("/authz-forwarded", "forward_auth_forwarded", "x-forwarded-uri", "x-forwarded-method",
            "x-forwarded-host");

    private final String path;
    private final String adapter;
    private final String uriHeader;
    private final String methodHeader;
    private final String hostHeader;

    ForwardAuthStyle(String path, String adapter, String uriHeader, String methodHeader, String hostHeader) {
        this.path = path;
        this.adapter = adapter;
        this.uriHeader = uriHeader;
        this.methodHeader = methodHeader;
        this.hostHeader = hostHeader;
    }

    /** The endpoint on the HTTP listener ({@code ENVOY}: a prefix followed by the original path). */
    public String path() {
        return path;
    }

    /** The {@code adapter} label of {@code tsgate_decisions_total}. */
    public String adapter() {
        return adapter;
    }

    /** Lower-case header carrying the original request target, or null when the target is the request's own path. */
    String uriHeader() {
        return uriHeader;
    }

    String methodHeader() {
        return methodHeader;
    }

    String hostHeader() {
        return hostHeader;
    }

    /** Whether the proxy passes every status to the client (nginx passes only 401 and 403). */
    boolean passesRealStatus() {
        return this != NGINX;
    }
}

package io.tsgate.policy;

/**
 * What counts a write's body after it is authorized. Only the data plane knows: Envoy says so per route with the
 * Check context extension {@value #CONTEXT_EXTENSION} (set by its config, never by a client), forward-auth has no
 * way to hand tsgate a body. The safe answer, {@link #NONE}, is what tsgate assumes when nothing says otherwise: a
 * write of a tenant with row or series limits is then refused (or let through uncounted, as
 * {@code -ratelimit.uncountableWrites} says) instead of passing uncounted unnoticed.
 */
public enum BodyCounting {
    /** Nothing counts the body: forward-auth (nginx, Traefik, Caddy, Envoy http_service), ext_authz without ext_proc. */
    NONE("none"),
    /** tsgate's ext_proc filter runs after ext_authz on this route and counts the bodies of limited writes. */
    EXT_PROC("ext_proc");

    /** The Check {@code attributes.context_extensions} key the shipped Envoy configs set per route. */
    public static final String CONTEXT_EXTENSION = "body_counting";

    private final String value;

    BodyCounting(String value) {
        this.value = value;
    }

    /** The spelling in the context extension and in {@code -extAuthz.bodyCounting}. */
    public String value() {
        return value;
    }

    /**
     * The route's context extension value, {@code fallback} when the route sets none. A value tsgate does not know
     * (a typo) is {@link #NONE}: only the exact {@code ext_proc} promises a count.
     */
    public static BodyCounting fromContextExtension(String value, BodyCounting fallback) {
        if (value == null) {
            return fallback;
        }
        return value.equals(EXT_PROC.value) ? EXT_PROC : NONE;
    }
}

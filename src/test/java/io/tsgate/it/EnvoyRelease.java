package io.tsgate.it;

/**
 * The Envoy release a stand-in behaves as, where releases differ in what tsgate could notice. Read in Envoy's source:
 * v1.34.0 is commit d7809ba2b0 ("repo: Release v1.34.0"), v1.35.0 is 84305a6cb6.
 */
public enum EnvoyRelease {
    /**
     * {@code source/extensions/filters/http/ext_proc/ext_proc.cc} {@code Filter::onReceiveMessage} at v1.34.0: a reply
     * of the wrong kind ("spurious") closes the stream and lets the request continue, even with
     * {@code failure_mode_allow: false}.
     */
    V1_34,
    /**
     * v1.35.0: with {@code failure_mode_allow: false} a spurious reply ends the request with 500 (runtime guard
     * {@code envoy.reloadable_features.ext_proc_fail_close_spurious_resp}, on by default).
     */
    V1_35;

    /** Whether a spurious ext_proc reply fails the request when the filter fails closed. */
    public boolean failsClosedOnSpuriousReply() {
        return this != V1_34;
    }
}

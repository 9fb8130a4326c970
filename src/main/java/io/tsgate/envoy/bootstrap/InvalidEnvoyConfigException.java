package io.tsgate.envoy.bootstrap;

/** An Envoy bootstrap that Envoy would refuse, or that cannot work with tsgate; the message names the field. */
public final class InvalidEnvoyConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    public InvalidEnvoyConfigException(String message, Throwable cause) {
        super(message, cause);
    }

    public InvalidEnvoyConfigException(String message) {
        super(message);
    }
}

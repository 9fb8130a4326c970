package io.tsgate.config;

import java.net.InetSocketAddress;

/** A {@code host:port} listen address; an empty host means every interface, port 0 an ephemeral port. */
public record ListenAddress(String host, int port) {

    public static ListenAddress parse(String flag, String text) throws ConfigException {
        int colon = text.lastIndexOf(':');
        if (colon < 0) {
            throw new ConfigException("-" + flag + ": want host:port or :port, got \"" + text + "\"");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 0 || port > 65535) {
            throw new ConfigException("-" + flag + ": bad port in \"" + text + "\"");
        }
        return new ListenAddress(host, port);
    }

    /** As the flag spells it: {@code :8431}, {@code 127.0.0.1:8431}, {@code [::1]:8431}. */
    public String text() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    public InetSocketAddress socketAddress() {
        return host.isEmpty() ? new InetSocketAddress(port) : new InetSocketAddress(host, port);
    }
}

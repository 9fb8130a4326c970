package io.tsgate.envoy.bootstrap;

import java.net.URI;
import java.net.URISyntaxException;

/**
 * A VictoriaMetrics (or tsgate) address for a generated Envoy cluster: host and port, and whether the host is a
 * name Envoy must resolve ({@code STRICT_DNS}) or an IP address ({@code STATIC}).
 *
 * @param host host name or IP literal (IPv6 without brackets)
 * @param port TCP port
 */
public record BackendAddress(String host, int port) {

    /** Whether Envoy must resolve {@link #host()} (a STRICT_DNS cluster) rather than use it as an address. */
    public boolean needsDns() {
        return !isIpLiteral(host);
    }

    /** An IPv4 dotted quad or an IPv6 literal (without brackets), as opposed to a host name. */
    public static boolean isIpLiteral(String host) {
        return host.contains(":") || host.matches("[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+");
    }

    /**
     * Parses {@code -read.url}/{@code -write.url}: {@code http://host[:port]} with no path, query or credentials.
     *
     * @param flag the option name, for the error message
     */
    public static BackendAddress ofUrl(String flag, String url) {
        URI u;
        try {
            u = new URI(url);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("-" + flag + "=" + url + " is not a URL: " + e.getReason());
        }
        if (!"http".equals(u.getScheme())) {
            throw new IllegalArgumentException("-" + flag + "=" + url + ": only http:// backends are generated "
                    + "(for https add an UpstreamTlsContext transport_socket to the printed cluster)");
        }
        if (u.getHost() == null || u.getRawUserInfo() != null) {
            throw new IllegalArgumentException("-" + flag + "=" + url + ": want http://host[:port]");
        }
        String path = u.getRawPath();
        if ((path != null && !path.isEmpty() && !path.equals("/")) || u.getRawQuery() != null || u.getRawFragment() != null) {
            throw new IllegalArgumentException("-" + flag + "=" + url + ": the URL must not have a path or query; "
                    + "Envoy forwards the path tsgate authorized unchanged");
        }
        return new BackendAddress(stripBrackets(u.getHost()), u.getPort() < 0 ? 80 : u.getPort());
    }

    /** Parses {@code host:port} (IPv6 in brackets). */
    public static BackendAddress ofHostPort(String flag, String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0 || colon == hostPort.length() - 1) {
            throw new IllegalArgumentException("-" + flag + "=" + hostPort + ": want host:port");
        }
        int port;
        try {
            port = Integer.parseInt(hostPort.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-" + flag + "=" + hostPort + ": the port is not a number");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("-" + flag + "=" + hostPort + ": the port must be 1-65535");
        }
        return new BackendAddress(stripBrackets(hostPort.substring(0, colon)), port);
    }

    private static String stripBrackets(String host) {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }
}

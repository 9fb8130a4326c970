package io.tsgate.envoy.bootstrap;


/**
 * What {@code tsgate envoy-config} generates.
 *
 * @param clusterMode  VictoriaMetrics cluster (vmselect/vminsert) rather than single-node
 * @param read         single-node VictoriaMetrics, or vmselect
 * @param write        where writes go: single-node (may equal {@code read}), or vminsert
 * @param extProc      add the ext_proc filter (write bodies counted by tsgate for row and series limits)
 * @param tsgate       tsgate's gRPC listener (ext_authz, ext_proc)
 * @param listen       Envoy's listener for clients
 * @param admin        Envoy's admin listener
 * @param tsgateTls    how Envoy reaches tsgate's gRPC listener over mutual TLS, or null for plain text
 * @param logs         VictoriaLogs behind its own Envoy listener, or null
 * @param traces       VictoriaTraces behind its own Envoy listener, or null
 */
public record EnvoyConfigOptions(boolean clusterMode, BackendAddress read, BackendAddress write, boolean extProc,
                                 BackendAddress tsgate, BackendAddress listen, BackendAddress admin,
                                 TsgateTls tsgateTls, LogsUpstream logs, LogsUpstream traces) {

    /** Metrics only. */
    public EnvoyConfigOptions(boolean clusterMode, BackendAddress read, BackendAddress write, boolean extProc,
                              BackendAddress tsgate, BackendAddress listen, BackendAddress admin, TsgateTls tsgateTls) {
        this(clusterMode, read, write, extProc, tsgate, listen, admin, tsgateTls, null, null);
    }

    /**
     * A VictoriaLogs or VictoriaTraces upstream (single-node, or vlselect/vlinsert behind one address) and the Envoy
     * listener for its clients. A listener per backend, because both serve {@code /select/logsql/…}: the route, and
     * with it the {@code backend} context extension tsgate reads, follows from the port the client reached.
     */
    public record LogsUpstream(BackendAddress upstream, BackendAddress listen) {
    }

    /**
     * Files on Envoy's side for TLS to tsgate (run with {@code -tls}, and {@code -tlsCAFile} for client certificates).
     *
     * @param caFile     CA that signed tsgate's server certificate
     * @param certFile   Envoy's client certificate chain (signed by the CA tsgate's {@code -tlsCAFile} names); may be
     *                   null for server-only TLS
     * @param keyFile    its private key; null exactly when {@code certFile} is
     * @param serverName the name tsgate's certificate carries (SNI and verification)
     */
    public record TsgateTls(String caFile, String certFile, String keyFile, String serverName) {
        public TsgateTls {
            if (caFile == null || caFile.isEmpty()) {
                throw new IllegalArgumentException("-tsgate.tlsCAFile is needed to verify tsgate's certificate");
            }
            if ((certFile == null) != (keyFile == null)) {
                throw new IllegalArgumentException("-tsgate.tlsCertFile and -tsgate.tlsKeyFile go together");
            }
            if (serverName == null || serverName.isEmpty()) {
                throw new IllegalArgumentException("-tsgate.tlsServerName must name tsgate's certificate");
            }
        }
    }

    public static final String DEFAULT_SINGLE_URL = "http://127.0.0.1:8428";
    public static final String DEFAULT_VMSELECT_URL = "http://127.0.0.1:8481";
    public static final String DEFAULT_VMINSERT_URL = "http://127.0.0.1:8480";
    public static final String DEFAULT_TSGATE = "127.0.0.1:9191";
    public static final String DEFAULT_LISTEN = "0.0.0.0:8427";
    public static final String DEFAULT_ADMIN = "127.0.0.1:9901";
    public static final String DEFAULT_LOGS_LISTEN = "0.0.0.0:9427";
    public static final String DEFAULT_TRACES_LISTEN = "0.0.0.0:10427";
}

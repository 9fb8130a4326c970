package io.tsgate.envoy;

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
 */
public record EnvoyConfigOptions(boolean clusterMode, BackendAddress read, BackendAddress write, boolean extProc,
                                 BackendAddress tsgate, BackendAddress listen, BackendAddress admin) {
    public static final String DEFAULT_SINGLE_URL = "http://127.0.0.1:8428";
    public static final String DEFAULT_VMSELECT_URL = "http://127.0.0.1:8481";
    public static final String DEFAULT_VMINSERT_URL = "http://127.0.0.1:8480";
    public static final String DEFAULT_TSGATE = "127.0.0.1:9191";
    public static final String DEFAULT_LISTEN = "0.0.0.0:8427";
    public static final String DEFAULT_ADMIN = "127.0.0.1:9901";
}

package io.tsgate.envoy.bootstrap;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.BufferSettings;
import io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.ExtAuthz;
import io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ExtProcPerRoute;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager.PathWithEscapedSlashesAction;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.tsgate.config.FlagCatalogue;
import io.tsgate.request.Endpoint;
import io.tsgate.request.EndpointCatalogue;
import io.tsgate.request.RequestClass;
import io.tsgate.request.Tenant;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EnvoyConfigTest {

    private static final String EXT_AUTHZ = "envoy.filters.http.ext_authz";
    private static final String EXT_PROC = "envoy.filters.http.ext_proc";

    /** Client paths (before tsgate's rewrite) whose form bodies tsgate must see. */
    private static final List<String> READ_PATHS = List.of(
            "/api/v1/query", "/api/v1/query_range", "/api/v1/series", "/api/v1/labels",
            "/api/v1/label/job/values", "/api/v1/export", "/api/v1/export/native", "/federate");

    /** Client paths whose bodies stream straight to storage. */
    private static final List<String> WRITE_PATHS = List.of(
            "/api/v1/write", "/api/v1/import", "/api/v1/import/prometheus", "/influx/write",
            "/api/v1/admin/tsdb/delete_series");

    private static Bootstrap load(String file) throws IOException, InvalidEnvoyConfigException {
        return EnvoyBootstrapValidator.parse(Files.readString(Path.of("envoy", file)));
    }

    private static HttpConnectionManager onlyManager(Bootstrap bootstrap) throws InvalidEnvoyConfigException {
        List<HttpConnectionManager> managers = EnvoyBootstrapValidator.connectionManagers(bootstrap);
        assertEquals(1, managers.size(), "one HTTP connection manager");
        return managers.get(0);
    }

    private static ExtAuthz extAuthz(HttpConnectionManager manager) throws InvalidEnvoyConfigException {
        assertEquals(List.of(EXT_AUTHZ, EXT_PROC, "envoy.filters.http.router"),
                manager.getHttpFiltersList().stream().map(f -> f.getName()).collect(Collectors.toList()),
                "ext_authz runs first, ext_proc (write accounting) next, the router last");
        assertTrue(manager.getHttpFilters(2).getTypedConfig().is(Router.class));
        return EnvoyBootstrapValidator.unpack(manager.getHttpFilters(0).getTypedConfig(), ExtAuthz.class, EXT_AUTHZ);
    }

    private static List<Route> routes(HttpConnectionManager manager) {
        assertEquals(1, manager.getRouteConfig().getVirtualHostsCount());
        return manager.getRouteConfig().getVirtualHosts(0).getRoutesList();
    }

    /** Envoy's first-match rule for the route kinds these configs use (prefix, exact path, RE2 full match). */
    private static Route firstMatch(List<Route> routes, String path) {
        for (Route route : routes) {
            var match = route.getMatch();
            boolean hit = switch (match.getPathSpecifierCase()) {
                case PREFIX -> path.startsWith(match.getPrefix());
                case PATH -> path.equals(match.getPath());
                // These regexes use only syntax RE2 and java.util.regex read alike.
                case SAFE_REGEX -> java.util.regex.Pattern.matches(match.getSafeRegex().getRegex(), path);
                default -> throw new AssertionError("route " + route.getName() + " uses an unmodelled matcher");
            };
            if (hit) {
                return route;
            }
        }
        throw new AssertionError("no route matches " + path);
    }

    private static Optional<BufferSettings> bodySettings(Route route) throws InvalidEnvoyConfigException {
        var perFilter = route.getTypedPerFilterConfigMap().get(EXT_AUTHZ);
        if (perFilter == null) {
            return Optional.empty();
        }
        ExtAuthzPerRoute perRoute = EnvoyBootstrapValidator.unpack(perFilter, ExtAuthzPerRoute.class, route.getName());
        return perRoute.getCheckSettings().hasWithRequestBody()
                ? Optional.of(perRoute.getCheckSettings().getWithRequestBody()) : Optional.empty();
    }

    private static Map<String, Cluster> clusters(Bootstrap bootstrap) {
        return bootstrap.getStaticResources().getClustersList().stream()
                .collect(Collectors.toMap(Cluster::getName, c -> c));
    }

    private static int port(Cluster cluster) {
        return cluster.getLoadAssignment().getEndpoints(0).getLbEndpoints(0).getEndpoint().getAddress()
                .getSocketAddress().getPortValue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"envoy-single.yaml", "envoy-cluster.yaml"})
    void extAuthzFailsClosedAndReroutesAfterRewrite(String file) throws Exception {
        Bootstrap bootstrap = load(file);
        HttpConnectionManager manager = onlyManager(bootstrap);
        ExtAuthz authz = extAuthz(manager);
        Cluster tsgate = clusters(bootstrap).get(authz.getGrpcService().getEnvoyGrpc().getClusterName());
        assertAll(
                () -> assertTrue(authz.getClearRouteCache(), "clear_route_cache"),
                () -> assertFalse(authz.getFailureModeAllow(), "failure_mode_allow"),
                () -> assertEquals(ApiVersion.V3, authz.getTransportApiVersion()),
                () -> assertTrue(authz.getGrpcService().hasTimeout(), "explicit Check timeout"),
                () -> assertFalse(authz.hasWithRequestBody(), "no filter-level body buffering (writes stream)"),
                () -> assertEquals(9191, port(tsgate)),
                () -> assertTrue(HttpProtocolOptions.parseFrom(tsgate.getTypedExtensionProtocolOptionsOrThrow(
                        "envoy.extensions.upstreams.http.v3.HttpProtocolOptions").getValue())
                        .getExplicitHttpConfig().hasHttp2ProtocolOptions(), "gRPC needs HTTP/2 to tsgate"),
                () -> assertTrue(manager.getNormalizePath().getValue(), "normalize_path"),
                () -> assertFalse(manager.getMergeSlashes(), "merge_slashes: tsgate must see '//'"),
                () -> assertEquals(PathWithEscapedSlashesAction.REJECT_REQUEST,
                        manager.getPathWithEscapedSlashesAction()),
                () -> assertEquals(8427, bootstrap.getStaticResources().getListeners(0).getAddress()
                        .getSocketAddress().getPortValue()));
    }

    /**
     * Envoy's edge best practices ("Configuring Envoy as an edge proxy"): downstream HTTP/2 windows of 64 KiB per stream
     * and 1 MiB per connection instead of the 256 MiB defaults.
     */
    @ParameterizedTest
    @ValueSource(strings = {"envoy-single.yaml", "envoy-cluster.yaml"})
    void downstreamHttp2WindowsAreEdgeSafe(String file) throws Exception {
        assertEdgeSafeWindows(onlyManager(load(file)));
    }

    /** The generator starts from these files; what it prints keeps the windows in every mode. */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void generatedConfigsKeepEdgeSafeWindows(boolean clusterMode) throws Exception {
        EnvoyConfigOptions o = new EnvoyConfigOptions(clusterMode,
                BackendAddress.ofUrl("-read.url", clusterMode ? EnvoyConfigOptions.DEFAULT_VMSELECT_URL
                        : EnvoyConfigOptions.DEFAULT_SINGLE_URL),
                BackendAddress.ofUrl("-write.url", clusterMode ? EnvoyConfigOptions.DEFAULT_VMINSERT_URL
                        : EnvoyConfigOptions.DEFAULT_SINGLE_URL), true,
                BackendAddress.ofHostPort("-tsgate.grpcAddr", EnvoyConfigOptions.DEFAULT_TSGATE),
                BackendAddress.ofHostPort("-listen", EnvoyConfigOptions.DEFAULT_LISTEN),
                BackendAddress.ofHostPort("-admin", EnvoyConfigOptions.DEFAULT_ADMIN), null);
        assertEdgeSafeWindows(EnvoyBootstrapValidator.connectionManagers(EnvoyConfigGenerator.build(o)).get(0));
    }

    static void assertEdgeSafeWindows(HttpConnectionManager manager) {
        assertTrue(manager.hasHttp2ProtocolOptions(), "downstream http2_protocol_options");
        assertEquals(65536, manager.getHttp2ProtocolOptions().getInitialStreamWindowSize().getValue());
        assertEquals(1048576, manager.getHttp2ProtocolOptions().getInitialConnectionWindowSize().getValue());
    }

    @ParameterizedTest
    @ValueSource(strings = {"envoy-single.yaml", "envoy-cluster.yaml"})
    void onlyReadRoutesForwardBodiesToTsgate(String file) throws Exception {
        List<Route> routes = routes(onlyManager(load(file)));
        for (String prefix : List.of("", "/prometheus")) {
            for (String path : READ_PATHS) {
                Route route = firstMatch(routes, prefix + path);
                BufferSettings body = bodySettings(route)
                        .orElseThrow(() -> new AssertionError(prefix + path + " → " + route.getName() + " has no body"));
                assertEquals(65536, body.getMaxRequestBytes(), route.getName());
                // ext_authz.cc (v1.34.0 d7809ba2b0) reads pack_as_bytes from the filter config only: a per-route one
                // would only mislead a reader.
                assertFalse(body.getPackAsBytes(), route.getName());
                assertFalse(body.getAllowPartialMessage(), route.getName() + ": partial bodies cannot be judged");
            }
        }
        for (String path : WRITE_PATHS) {
            assertEquals(Optional.empty(), bodySettings(firstMatch(routes, path)), path);
        }
        Route last = routes.get(routes.size() - 1);
        assertEquals("/", last.getMatch().getPrefix(), "catch-all route last");
    }

    @Test
    void singleNodeSendsEveryPathToVictoriaMetrics() throws Exception {
        Bootstrap bootstrap = load("envoy-single.yaml");
        for (Route route : routes(onlyManager(bootstrap))) {
            assertEquals("victoriametrics", route.getRoute().getCluster(), route.getName());
        }
        assertEquals(8428, port(clusters(bootstrap).get("victoriametrics")));
    }

    @Test
    void clusterRoutesOnlyRewrittenPathsToBackends() throws Exception {
        Bootstrap bootstrap = load("envoy-cluster.yaml");
        List<Route> routes = routes(onlyManager(bootstrap));
        Map<String, String> rewritten = Map.of(
                "/select/1:5/prometheus/api/v1/query", "vmselect",
                "/delete/1:5/prometheus/api/v1/admin/tsdb/delete_series", "vmselect",
                "/insert/1:5/prometheus/api/v1/write", "vminsert");
        rewritten.forEach((path, cluster) -> assertEquals(cluster, firstMatch(routes, path).getRoute().getCluster(), path));
        for (String path : List.of("/api/v1/query", "/api/v1/write", "/prometheus/api/v1/series", "/anything")) {
            Route route = firstMatch(routes, path);
            assertTrue(route.hasDirectResponse(), path + " must not reach a backend unrewritten");
            assertEquals(404, route.getDirectResponse().getStatus(), path);
        }
        Map<String, Cluster> clusters = clusters(bootstrap);
        assertEquals(8481, port(clusters.get("vmselect")));
        assertEquals(8480, port(clusters.get("vminsert")));
    }

    private static ExternalProcessor extProc(HttpConnectionManager manager) throws InvalidEnvoyConfigException {
        extAuthz(manager);
        return EnvoyBootstrapValidator.unpack(manager.getHttpFilters(1).getTypedConfig(), ExternalProcessor.class, EXT_PROC);
    }

    /** True when the route turns the ext_proc filter off (ExtProcPerRoute.disabled). */
    private static boolean extProcDisabled(Route route) throws InvalidEnvoyConfigException {
        var perFilter = route.getTypedPerFilterConfigMap().get(EXT_PROC);
        return perFilter != null
                && EnvoyBootstrapValidator.unpack(perFilter, ExtProcPerRoute.class, route.getName()).getDisabled();
    }

    @ParameterizedTest
    @ValueSource(strings = {"envoy-single.yaml", "envoy-cluster.yaml"})
    void extProcAsksTsgateForWriteBodiesAndFailsClosed(String file) throws Exception {
        Bootstrap bootstrap = load(file);
        HttpConnectionManager manager = onlyManager(bootstrap);
        ExternalProcessor proc = extProc(manager);
        ProcessingMode mode = proc.getProcessingMode();
        int maxBody = Integer.parseInt(FlagCatalogue.find("ingest.maxBodyBytes").defaultValue());
        Cluster tsgate = clusters(bootstrap).get(proc.getGrpcService().getEnvoyGrpc().getClusterName());
        assertAll(
                () -> assertEquals("tsgate", proc.getGrpcService().getEnvoyGrpc().getClusterName()),
                () -> assertFalse(proc.getFailureModeAllow(), "failure_mode_allow"),
                () -> assertTrue(proc.getAllowModeOverride(), "allow_mode_override: tsgate asks for bodies per request"),
                () -> assertFalse(proc.getSendBodyWithoutWaitingForHeaderResponse(), "would disable mode_override"),
                () -> assertEquals(ProcessingMode.HeaderSendMode.SEND, mode.getRequestHeaderMode()),
                () -> assertEquals(ProcessingMode.HeaderSendMode.SKIP, mode.getResponseHeaderMode()),
                () -> assertEquals(ProcessingMode.BodySendMode.NONE, mode.getRequestBodyMode(), "bodies stream unless asked"),
                () -> assertEquals(ProcessingMode.BodySendMode.NONE, mode.getResponseBodyMode()),
                () -> assertEquals(ProcessingMode.HeaderSendMode.SKIP, mode.getRequestTrailerMode()),
                () -> assertEquals(ProcessingMode.HeaderSendMode.SKIP, mode.getResponseTrailerMode()),
                () -> assertEquals(List.of(EXT_AUTHZ), proc.getMetadataOptions().getForwardingNamespaces().getUntypedList(),
                        "ext_authz's metadata names the tenant"),
                () -> assertTrue(proc.getMessageTimeout().getSeconds() >= 1, "time to count a large body"),
                () -> assertEquals(maxBody, bootstrap.getStaticResources().getListeners(0).getPerConnectionBufferLimitBytes()
                        .getValue(), "listener buffer = -ingest.maxBodyBytes default"),
                () -> assertTrue(tsgate.getPerConnectionBufferLimitBytes().getValue() > maxBody,
                        "a whole buffered body fits the connection to tsgate"));
    }

    @Test
    void singleNodeRunsExtProcOnWritesOnly() throws Exception {
        List<Route> routes = routes(onlyManager(load("envoy-single.yaml")));
        for (String prefix : List.of("", "/prometheus")) {
            for (String path : READ_PATHS) {
                assertTrue(extProcDisabled(firstMatch(routes, prefix + path)), prefix + path);
            }
        }
        // Every write path VictoriaMetrics serves must meet ext_proc, or a limited tenant's rows would pass uncounted.
        java.util.SortedSet<String> writes = EndpointCatalogue.fixedPaths(RequestClass.WRITE);
        assertTrue(writes.containsAll(List.of("/api/v1/write", "/prometheus/api/v1/write", "/api/v1/import/prometheus",
                "/influx/write", "/api/put")), writes.toString());
        for (String path : writes) {
            assertFalse(extProcDisabled(firstMatch(routes, path)), path);
        }
    }

    @Test
    void clusterRunsExtProcOnEveryRewrittenWritePath() throws Exception {
        List<Route> routes = routes(onlyManager(load("envoy-cluster.yaml")));
        for (String path : EndpointCatalogue.fixedPaths(RequestClass.WRITE)) {
            Endpoint e = EndpointCatalogue.classify("POST", path);
            String rewritten = e.clusterPath(new Tenant(1, 5));
            if (rewritten != null) {
                Route route = firstMatch(routes, rewritten);
                assertFalse(route.hasDirectResponse(), rewritten + " reaches a backend");
                assertFalse(extProcDisabled(route), path + " → " + rewritten);
            }
        }
    }

    @Test
    void clusterRunsExtProcOnTheRewrittenInsertRoute() throws Exception {
        List<Route> routes = routes(onlyManager(load("envoy-cluster.yaml")));
        // ext_proc runs after ext_authz cleared the route cache: its per-route config comes from the rewritten path.
        assertFalse(extProcDisabled(firstMatch(routes, "/insert/1:5/prometheus/api/v1/write")));
        assertFalse(extProcDisabled(firstMatch(routes, "/insert/1:5/influx/write")));
        assertTrue(extProcDisabled(firstMatch(routes, "/select/1:5/prometheus/api/v1/query")));
        assertTrue(extProcDisabled(firstMatch(routes, "/delete/1:5/prometheus/api/v1/admin/tsdb/delete_series")));
    }

    @Test
    void misspelledFieldIsRejectedByName() throws Exception {
        String yaml = Files.readString(Path.of("envoy", "envoy-single.yaml"))
                .replace("clear_route_cache: true", "clear_route_cahce: true");
        var error = assertThrows(InvalidEnvoyConfigException.class, () -> EnvoyBootstrapValidator.parse(yaml));
        assertTrue(error.getMessage().contains("clear_route_cahce"), error.getMessage());
    }

    @Test
    void unknownTypedConfigIsRejected() throws Exception {
        String yaml = Files.readString(Path.of("envoy", "envoy-single.yaml"))
                .replace("envoy.extensions.filters.http.router.v3.Router", "envoy.extensions.filters.http.router.v3.Routr");
        var error = assertThrows(InvalidEnvoyConfigException.class, () -> EnvoyBootstrapValidator.parse(yaml));
        assertTrue(error.getMessage().contains("Routr"), error.getMessage());
    }

    @Test
    void misspelledEnumValueIsRejected() throws Exception {
        String yaml = Files.readString(Path.of("envoy", "envoy-single.yaml"))
                .replace("path_with_escaped_slashes_action: REJECT_REQUEST",
                        "path_with_escaped_slashes_action: REJECT");
        var error = assertThrows(InvalidEnvoyConfigException.class, () -> EnvoyBootstrapValidator.parse(yaml));
        assertTrue(error.getMessage().contains("REJECT"), error.getMessage());
    }

    @Test
    void routeToUndefinedClusterIsRejected() throws Exception {
        String yaml = Files.readString(Path.of("envoy", "envoy-cluster.yaml"))
                .replace("cluster: vminsert,", "cluster: vminsertt,");
        var error = assertThrows(InvalidEnvoyConfigException.class, () -> EnvoyBootstrapValidator.parse(yaml));
        assertTrue(error.getMessage().contains("vminsertt"), error.getMessage());
    }

    @Test
    void brokenFieldRulesAreRejectedWithTheirPath() throws Exception {
        String yaml = Files.readString(Path.of("envoy", "envoy-single.yaml"))
                .replace("stat_prefix: tsgate_ingress", "stat_prefix: \"\"")
                .replace("max_request_bytes: 65536", "max_request_bytes: 0")
                .replace("connect_timeout: 1s", "connect_timeout: 0s");
        var error = assertThrows(InvalidEnvoyConfigException.class, () -> EnvoyBootstrapValidator.parse(yaml));
        String message = error.getMessage();
        assertAll(
                () -> assertTrue(message.contains("(HttpConnectionManager).stat_prefix: must have at least 1"), message),
                () -> assertTrue(message.contains("check_settings.with_request_body.max_request_bytes: 0 is out of range"),
                        message),
                () -> assertTrue(message.contains("static_resources.clusters[0].connect_timeout: must be longer"), message));
    }

    @Test
    void missingRequiredOneofIsRejected() throws Exception {
        String yaml = Files.readString(Path.of("envoy", "envoy-single.yaml"))
                .replace("\n                          route: { cluster: victoriametrics, timeout: 0s }\n                          # ext_proc runs",
                        "\n                          # ext_proc runs");
        var error = assertThrows(InvalidEnvoyConfigException.class, () -> EnvoyBootstrapValidator.parse(yaml));
        assertTrue(error.getMessage().contains("routes[12].action: one of its fields must be set"), error.getMessage());
    }
}

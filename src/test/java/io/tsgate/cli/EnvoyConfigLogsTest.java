package io.tsgate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.ExtAuthz;
import io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.tsgate.envoy.bootstrap.EnvoyBootstrapValidator;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * {@code tsgate envoy-config -logs.url=… -traces.url=…}: a listener per backend whose one route carries the
 * {@code backend} context extension, validated as printed like every generated bootstrap.
 */
class EnvoyConfigLogsTest {

    private record Result(int exit, String out, String err) {
    }

    private static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = EnvoyConfigCommand.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static Bootstrap printed(String... args) throws Exception {
        Result r = run(args);
        assertEquals(0, r.exit(), r.err());
        return EnvoyBootstrapValidator.parse(r.out());
    }

    private static Listener listener(Bootstrap b, String name) {
        return b.getStaticResources().getListenersList().stream().filter(l -> l.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no listener " + name));
    }

    private static HttpConnectionManager manager(Listener l) throws Exception {
        return EnvoyBootstrapValidator.unpack(l.getFilterChains(0).getFilters(0).getTypedConfig(),
                HttpConnectionManager.class, l.getName());
    }

    private static Cluster cluster(Bootstrap b, String name) {
        return b.getStaticResources().getClustersList().stream().filter(c -> c.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no cluster " + name));
    }

    private static SocketAddress address(Cluster c) {
        return c.getLoadAssignment().getEndpoints(0).getLbEndpoints(0).getEndpoint().getAddress().getSocketAddress();
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void logsAndTracesGetTheirOwnListenerRouteAndContextExtension(boolean cluster) throws Exception {
        Bootstrap b = printed(cluster ? "-clusterMode" : "-clusterMode=false", "-logs.url=http://vl:9428",
                "-traces.url=http://127.0.0.1:10428", "-traces.listenAddr=0.0.0.0:10999");
        assertEquals(3, b.getStaticResources().getListenersCount());
        Map<String, String> want = Map.of("victorialogs", "logs", "victoriatraces", "traces");
        for (Map.Entry<String, String> e : want.entrySet()) {
            HttpConnectionManager hcm = manager(listener(b, e.getKey()));
            List<String> filters = hcm.getHttpFiltersList().stream().map(HttpFilter::getName)
                    .collect(Collectors.toList());
            assertEquals(List.of("envoy.filters.http.ext_authz", "envoy.filters.http.router"), filters,
                    "no ext_proc: logs and traces writes are not counted");
            ExtAuthz authz = EnvoyBootstrapValidator.unpack(hcm.getHttpFilters(0).getTypedConfig(), ExtAuthz.class, "");
            assertFalse(authz.getFailureModeAllow(), "fails closed like the metrics listener");
            assertTrue(authz.getClearRouteCache());
            assertTrue(hcm.getNormalizePath().getValue());
            assertFalse(hcm.getMergeSlashes());
            List<Route> routes = hcm.getRouteConfig().getVirtualHosts(0).getRoutesList();
            assertEquals(1, routes.size(), "one route: re-picking it after the rewrite cannot change the backend");
            Route route = routes.get(0);
            assertEquals("/", route.getMatch().getPrefix());
            assertEquals(e.getKey(), route.getRoute().getCluster());
            ExtAuthzPerRoute perRoute = EnvoyBootstrapValidator.unpack(
                    route.getTypedPerFilterConfigOrThrow("envoy.filters.http.ext_authz"), ExtAuthzPerRoute.class, "");
            assertEquals(Map.of("backend", e.getValue()), perRoute.getCheckSettings().getContextExtensionsMap());
            assertFalse(perRoute.getCheckSettings().hasWithRequestBody());
        }
        assertEquals(9427, listener(b, "victorialogs").getAddress().getSocketAddress().getPortValue());
        assertEquals(10999, listener(b, "victoriatraces").getAddress().getSocketAddress().getPortValue());
        assertEquals("vl", address(cluster(b, "victorialogs")).getAddress());
        assertEquals(Cluster.DiscoveryType.STRICT_DNS, cluster(b, "victorialogs").getType());
        assertEquals(10428, address(cluster(b, "victoriatraces")).getPortValue());
        // The metrics listener has no backend extension anywhere: absent means metrics.
        for (Route r : manager(b.getStaticResources().getListeners(0)).getRouteConfig().getVirtualHosts(0)
                .getRoutesList()) {
            if (r.containsTypedPerFilterConfig("envoy.filters.http.ext_authz")) {
                assertFalse(EnvoyBootstrapValidator.unpack(r.getTypedPerFilterConfigOrThrow(
                        "envoy.filters.http.ext_authz"), ExtAuthzPerRoute.class, "").getCheckSettings()
                        .containsContextExtensions("backend"), r.getName());
            }
        }
    }

    @Test
    void withoutLogsUrlsNothingIsAdded() throws Exception {
        assertEquals(1, printed().getStaticResources().getListenersCount());
        assertEquals(1, printed("-logs.listenAddr=0.0.0.0:1").getStaticResources().getListenersCount());
    }

    @Test
    void listenersMayNotShareAnAddress() {
        Result r = run("-logs.url=http://vl:9428", "-logs.listenAddr=0.0.0.0:8427");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("own Envoy listener"), r.err());
        assertEquals(2, run("-logs.url=http://vl:9428", "-traces.url=http://vt:10428",
                "-traces.listenAddr=" + "0.0.0.0:9427").exit());
        assertEquals(2, run("-logs.url=ftp://vl:9428").exit());
    }
}

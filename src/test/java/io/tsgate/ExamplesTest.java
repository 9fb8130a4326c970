package io.tsgate;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.ExtAuthz;
import io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.tsgate.cli.EnvoyConfigCommand;
import io.tsgate.config.FlagCatalogue;
import io.tsgate.envoy.bootstrap.EnvoyBootstrapValidator;
import io.tsgate.it.IstioSidecar;
import io.tsgate.request.Endpoint;
import io.tsgate.request.EndpointCatalogue;
import io.tsgate.request.RequestClass;
import io.tsgate.request.Tenant;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Every example under examples/ parses, and carries the fields that make it work with tsgate. */
class ExamplesTest {
    private static final YAMLMapper YAML = new YAMLMapper();
    private static final List<String> READ_PATHS = List.of("/api/v1/query", "/api/v1/query_range", "/api/v1/series",
            "/api/v1/labels", "/api/v1/label/job/values", "/api/v1/export", "/federate",
            "/prometheus/api/v1/query", "/prometheus/api/v1/series", "/prometheus/federate");

    private static List<JsonNode> documents(String file) throws Exception {
        List<JsonNode> docs = new ArrayList<>();
        try (var it = YAML.readerFor(JsonNode.class).readValues(Path.of("examples", file).toFile())) {
            while (it.hasNext()) {
                docs.add((JsonNode) it.next());
            }
        }
        return docs;
    }

    private static JsonNode kind(List<JsonNode> docs, String kind) {
        return docs.stream().filter(d -> d.path("kind").asText().equals(kind)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind));
    }

    private static String envoyConfig(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int exit = EnvoyConfigCommand.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
        assertEquals(0, exit);
        return out.toString(StandardCharsets.UTF_8);
    }

    private static JsonNode container(JsonNode podSpec, String name) {
        return namedIn(podSpec.path("containers"), name);
    }

    private static JsonNode namedIn(JsonNode containers, String name) {
        for (JsonNode c : containers) {
            if (c.path("name").asText().equals(name)) {
                return c;
            }
        }
        throw new AssertionError("no container " + name);
    }

    private static List<String> strings(JsonNode array) {
        List<String> s = new ArrayList<>();
        array.forEach(n -> s.add(n.asText()));
        return s;
    }

    // ---- Envoy: mirror writes, shard tenants by consistent hash ---------------------------------------------

    /** Envoy's first-match rule for prefix/path matchers with exact header matchers. */
    private static Route firstMatch(List<Route> routes, String path, Map<String, String> headers) {
        for (Route r : routes) {
            var m = r.getMatch();
            boolean hit = switch (m.getPathSpecifierCase()) {
                case PREFIX -> path.startsWith(m.getPrefix());
                case PATH -> path.equals(m.getPath());
                default -> throw new AssertionError("unmodelled matcher in " + r.getName());
            };
            for (HeaderMatcher h : m.getHeadersList()) {
                hit &= h.getStringMatch().getExact().equals(headers.get(h.getName()));
            }
            if (hit) {
                return r;
            }
        }
        throw new AssertionError("no route for " + path);
    }

    @Test
    void mirrorHashConfigShardsByTenantAndMirrorsWrites() throws Exception {
        Bootstrap b = EnvoyBootstrapValidator.parse(Files.readString(Path.of("examples/envoy/envoy-mirror-hash.yaml")));
        HttpConnectionManager hcm = EnvoyBootstrapValidator.connectionManagers(b).get(0);
        ExtAuthz authz = hcm.getHttpFilters(0).getTypedConfig().unpack(ExtAuthz.class);
        assertTrue(authz.getClearRouteCache(), "routes match tsgate's headers: re-pick after the check");
        assertFalse(authz.getFailureModeAllow());
        Map<String, Cluster> clusters = b.getStaticResources().getClustersList().stream()
                .collect(Collectors.toMap(Cluster::getName, c -> c));
        Cluster shards = clusters.get("victoriametrics-shards");
        assertEquals(Cluster.LbPolicy.RING_HASH, shards.getLbPolicy());
        assertTrue(shards.getLoadAssignment().getEndpoints(0).getLbEndpointsCount() >= 2, "at least two shards");
        List<Route> routes = hcm.getRouteConfig().getVirtualHosts(0).getRoutesList();
        for (Route r : routes) {
            RouteAction a = r.getRoute();
            assertEquals("victoriametrics-shards", a.getCluster(), r.getName());
            assertEquals(1, a.getHashPolicyCount(), r.getName());
            assertEquals("x-tsgate-tenant", a.getHashPolicy(0).getHeader().getHeaderName(), r.getName());
        }
        // After tsgate's check: a write (x-tsgate-class: write) is mirrored, whole, to a defined cluster.
        Route write = firstMatch(routes, "/api/v1/write", Map.of("x-tsgate-class", "write", "x-tsgate-tenant", "1:0"));
        assertEquals(1, write.getRoute().getRequestMirrorPoliciesCount());
        var mirror = write.getRoute().getRequestMirrorPolicies(0);
        assertNotNull(clusters.get(mirror.getCluster()), "mirror cluster is defined");
        assertEquals(100, mirror.getRuntimeFraction().getDefaultValue().getNumerator());
        for (String read : READ_PATHS) {
            Route r = firstMatch(routes, read, Map.of("x-tsgate-class", "read"));
            assertEquals(0, r.getRoute().getRequestMirrorPoliciesCount(), read + ": reads are not mirrored");
            // Before the check (no tsgate headers yet) the read route forwards the body to tsgate.
            Route before = firstMatch(routes, read, Map.of());
            var perRoute = before.getTypedPerFilterConfigMap().get("envoy.filters.http.ext_authz");
            assertNotNull(perRoute, read);
            var body = perRoute.unpack(ExtAuthzPerRoute.class).getCheckSettings().getWithRequestBody();
            assertFalse(body.getAllowPartialMessage(), read);
            assertEquals(65536, body.getMaxRequestBytes(), read);
        }
    }

    /** Every Envoy config under examples/ sets edge-safe downstream HTTP/2 windows. */
    @Test
    void examplesEnvoyConfigsSetEdgeSafeHttp2Windows() throws Exception {
        for (String file : List.of("envoy/envoy-mirror-hash.yaml", "compose/envoy.yaml", "kubernetes/envoy.yaml")) {
            Bootstrap b = EnvoyBootstrapValidator.parse(Files.readString(Path.of("examples", file)));
            for (HttpConnectionManager hcm : EnvoyBootstrapValidator.connectionManagers(b)) {
                assertTrue(hcm.hasHttp2ProtocolOptions(), file);
                assertEquals(65536, hcm.getHttp2ProtocolOptions().getInitialStreamWindowSize().getValue(), file);
                assertEquals(1048576, hcm.getHttp2ProtocolOptions().getInitialConnectionWindowSize().getValue(), file);
            }
        }
    }

    // ---- docker compose -------------------------------------------------------------------------------------

    @Test
    void composeRunsTheOfficialEnvoyImageInFrontOfVictoriaMetrics() throws Exception {
        JsonNode compose = documents("compose/compose.yaml").get(0);
        JsonNode services = compose.get("services");
        assertEquals(List.of("victoriametrics", "tsgate", "envoy"), iterableNames(services));
        JsonNode envoy = services.get("envoy");
        assertTrue(envoy.get("image").asText().startsWith("envoyproxy/envoy:v1."), envoy.toString());
        assertTrue(strings(envoy.get("volumes")).contains("./envoy.yaml:/etc/envoy/envoy.yaml:ro"));
        assertTrue(strings(envoy.get("command")).contains("/etc/envoy/envoy.yaml"));
        assertTrue(services.get("victoriametrics").path("ports").isMissingNode(), "VictoriaMetrics only behind Envoy");
        assertTrue(services.get("victoriametrics").get("image").asText().startsWith("victoriametrics/victoria-metrics:"));
        JsonNode tsgate = services.get("tsgate");
        assertTrue(strings(tsgate.get("command")).contains("-grpcListenAddr=:9191"));
        assertEquals("../..", tsgate.get("build").get("context").asText());
        assertTrue(Files.exists(Path.of(tsgate.get("build").get("dockerfile").asText())), "the repository's Dockerfile");
        String envoyYaml = Files.readString(Path.of("examples/compose/envoy.yaml"));
        assertEquals(envoyConfig("-tsgate.grpcAddr=tsgate:9191", "-read.url=http://victoriametrics:8428"), envoyYaml,
                "examples/compose/envoy.yaml is stale; regenerate: java -jar target/tsgate.jar envoy-config "
                + "-tsgate.grpcAddr=tsgate:9191 -read.url=http://victoriametrics:8428 > examples/compose/envoy.yaml");
        Bootstrap b = EnvoyBootstrapValidator.parse(envoyYaml);
        assertEquals(Cluster.DiscoveryType.STRICT_DNS, b.getStaticResources().getClustersList().stream()
                .filter(c -> c.getName().equals("tsgate")).findFirst().orElseThrow().getType(), "compose service names resolve");
    }

    private static List<String> iterableNames(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    // ---- Kubernetes sidecar ---------------------------------------------------------------------------------

    @Test
    void kubernetesRunsTsgateAsASidecarWithProbes() throws Exception {
        List<JsonNode> docs = documents("kubernetes/victoriametrics-tsgate.yaml");
        JsonNode pod = kind(docs, "StatefulSet").at("/spec/template/spec");
        JsonNode tsgate = namedIn(pod.path("initContainers"), "tsgate");
        assertAll(
                () -> assertEquals("/health", tsgate.at("/livenessProbe/httpGet/path").asText()),
                () -> assertEquals("/ready", tsgate.at("/readinessProbe/httpGet/path").asText()),
                () -> assertEquals("tsgate-http", tsgate.at("/readinessProbe/httpGet/port").asText()),
                () -> assertEquals(8431, tsgate.at("/ports/0/containerPort").asInt()),
                () -> assertTrue(strings(tsgate.get("args")).contains("-httpListenAddr=:8431")),
                () -> assertTrue(strings(tsgate.get("args")).contains("-grpcListenAddr=127.0.0.1:9191")),
                () -> assertTrue(strings(container(pod, "victoriametrics").get("args")).contains("-httpListenAddr=127.0.0.1:8428"),
                        "VictoriaMetrics only on loopback: Envoy is the only way in"),
                () -> assertTrue(container(pod, "envoy").get("image").asText().startsWith("envoyproxy/envoy:")),
                () -> assertEquals("envoy", kind(docs, "Service").at("/spec/ports/0/targetPort").asText()),
                () -> assertEquals(8427, container(pod, "envoy").at("/ports/0/containerPort").asInt()));
        JsonNode kustomization = documents("kubernetes/kustomization.yaml").get(0);
        assertEquals(List.of("victoriametrics-tsgate.yaml"), strings(kustomization.get("resources")));
        JsonNode generator = kustomization.at("/configMapGenerator/0");
        assertEquals(List.of("envoy.yaml"), strings(generator.get("files")));
        JsonNode envoyVolume = null;
        for (JsonNode v : pod.get("volumes")) {
            if (v.path("configMap").path("name").asText().equals(generator.get("name").asText())) {
                envoyVolume = v;
            }
        }
        assertNotNull(envoyVolume, "the pod mounts the generated ConfigMap");
        assertEquals(Files.readString(Path.of("examples/kubernetes/envoy.yaml")), envoyConfig(), "examples/kubernetes/"
                + "envoy.yaml is stale; regenerate: java -jar target/tsgate.jar envoy-config > examples/kubernetes/envoy.yaml");
    }

    /**
     * tsgate as a native sidecar (Kubernetes 1.29+): an init container with {@code restartPolicy: Always} starts, and
     * passes its startup probe, before the pod's containers start, and is stopped only after they have exited. The
     * grace period covers every step of the stop the manifest's header describes, with the flags it passes.
     */
    @Test
    void kubernetesStopsTsgateLastWithinTheGracePeriod() throws Exception {
        JsonNode pod = kind(documents("kubernetes/victoriametrics-tsgate.yaml"), "StatefulSet").at("/spec/template/spec");
        JsonNode tsgate = namedIn(pod.path("initContainers"), "tsgate");
        JsonNode envoy = container(pod, "envoy");
        JsonNode vm = container(pod, "victoriametrics");
        assertEquals("Always", tsgate.path("restartPolicy").asText(), "a native sidecar");
        List<String> main = new ArrayList<>();
        pod.path("containers").forEach(c -> main.add(c.path("name").asText()));
        assertEquals(List.of("victoriametrics", "envoy"), main, "tsgate is not a main container");
        assertEquals("/ready", tsgate.at("/startupProbe/httpGet/path").asText(),
                "Envoy starts only once tsgate can decide");
        long envoyPreStop = Long.parseLong(strings(envoy.at("/lifecycle/preStop/exec/command")).get(1));
        long vmDelay = secondsOf(flag(vm, "http.shutdownDelay"));
        long tsgateDelay = secondsOf(flag(tsgate, "http.shutdownDelay"));
        long tsgateGrace = secondsOf(flag(tsgate, "http.maxGracefulShutdownDuration"));
        long vmFlush = 20;
        long budget = Math.max(envoyPreStop, vmDelay) + vmFlush + tsgateDelay + tsgateGrace;
        assertTrue(pod.path("terminationGracePeriodSeconds").asLong() >= budget, "grace period below " + budget + " s");
        assertTrue(vmDelay >= envoyPreStop, "VictoriaMetrics serves while Envoy may still forward");
        assertTrue(pod.at("/securityContext/runAsNonRoot").asBoolean());
        assertEquals("RuntimeDefault", pod.at("/securityContext/seccompProfile/type").asText());
        for (JsonNode c : List.of(tsgate, envoy, vm)) {
            String name = c.path("name").asText();
            assertAll(name,
                    () -> assertFalse(c.at("/securityContext/allowPrivilegeEscalation").asBoolean(true)),
                    () -> assertTrue(c.at("/securityContext/readOnlyRootFilesystem").asBoolean()),
                    () -> assertEquals(List.of("ALL"), strings(c.at("/securityContext/capabilities/drop"))),
                    () -> assertFalse(c.at("/resources/requests/memory").asText().isEmpty()),
                    () -> assertFalse(c.at("/resources/limits/memory").asText().isEmpty()));
        }
    }

    /** The shared tsgate Deployment of the Istio example: its sidecar and grace period outlast delay and drain. */
    @Test
    void istioTsgateRolloutOutlastsDelayAndDrain() throws Exception {
        JsonNode template = kind(documents("istio/tsgate.yaml"), "Deployment").at("/spec/template");
        JsonNode tsgate = container(template.get("spec"), "tsgate");
        long stop = secondsOf(flag(tsgate, "http.shutdownDelay")) + secondsOf(flag(tsgate, "http.maxGracefulShutdownDuration"));
        assertTrue(secondsOf(flag(tsgate, "http.shutdownDelay")) > 0, "a shared replica needs a delay");
        JsonNode proxy = YAML.readTree(template.at("/metadata/annotations").get("proxy.istio.io/config").asText());
        assertTrue(secondsOf(proxy.get("terminationDrainDuration").asText()) >= stop,
                "the pod's Istio sidecar must carry connections until tsgate has drained");
        assertTrue(template.at("/spec/terminationGracePeriodSeconds").asLong() > stop);
    }

    private static String flag(JsonNode container, String name) {
        return strings(container.get("args")).stream().filter(a -> a.startsWith("-" + name + "=")).findFirst()
                .map(a -> a.substring(name.length() + 2)).orElseThrow(() -> new AssertionError("no -" + name));
    }

    private static long secondsOf(String duration) {
        assertTrue(duration.matches("[0-9]+s"), duration);
        return Long.parseLong(duration.substring(0, duration.length() - 1));
    }

    // ---- every Envoy data plane that routes writes counts them --------------------------------------------

    /**
     * Every Envoy bootstrap shipped under examples/ and envoy/, and the Istio sidecar built from examples/istio/: each
     * that routes a write to a backend runs it through ext_proc, which tsgate needs to count a limited tenant's rows
     * and series. Without it, rows_inserted, new_series and active_series limits silently do nothing.
     */
    @Test
    void everyEnvoyExampleThatRoutesWritesCarriesExtProc() throws Exception {
        Map<String, Bootstrap> planes = envoyBootstraps();
        planes.put("examples/istio (sidecar with ext-proc.yaml)", IstioSidecar.bootstrap());
        assertTrue(planes.keySet().containsAll(List.of("examples/compose/envoy.yaml", "examples/kubernetes/envoy.yaml",
                "examples/envoy/envoy-mirror-hash.yaml", "envoy/envoy-single.yaml", "envoy/envoy-cluster.yaml")),
                planes.keySet().toString());
        assertAll(planes.entrySet().stream().map(p -> () -> assertWritesMeetExtProc(p.getKey(), p.getValue())));
    }

    /** A config without ext_proc that routes writes is caught: the check above can fail. */
    @Test
    void aConfigThatRoutesWritesWithoutExtProcIsCaught() throws Exception {
        String printed = envoyConfig("-extProc=false");
        AssertionError e = org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class,
                () -> assertWritesMeetExtProc("envoy-config -extProc=false", EnvoyBootstrapValidator.parse(printed)));
        assertTrue(e.getMessage().contains("no ext_proc filter"), e.getMessage());
    }

    /** Every file under examples/ and envoy/ that is an Envoy bootstrap (has static_resources), by path. */
    private static Map<String, Bootstrap> envoyBootstraps() throws Exception {
        Map<String, Bootstrap> out = new java.util.TreeMap<>();
        for (String root : List.of("examples", "envoy")) {
            List<Path> files;
            try (var walk = Files.walk(Path.of(root))) {
                // Helm templates are Go templates, not YAML; their rendered output is under examples/helm/rendered.
                files = walk.filter(f -> f.toString().endsWith(".yaml") && !f.startsWith("examples/helm/tsgate/templates"))
                        .sorted().toList();
            }
            for (Path f : files) {
                String yaml = Files.readString(f);
                boolean bootstrap = false;
                try (var it = YAML.readerFor(JsonNode.class).readValues(yaml)) {
                    while (it.hasNext()) {
                        bootstrap |= ((JsonNode) it.next()).has("static_resources");
                    }
                }
                if (bootstrap) {
                    out.put(f.toString().replace('\\', '/'), EnvoyBootstrapValidator.parse(yaml));
                }
            }
        }
        return out;
    }

    /**
     * The routes a write reaches once tsgate allowed it (tsgate's x-tsgate-class and x-tsgate-tenant set, the path
     * single-node or cluster-rewritten; the route re-picked when ext_authz clears the route cache, as ext_proc then
     * reads its per-route settings from it): where any forwards to a backend, ext_proc must follow ext_authz, fail
     * closed, see the request headers, be allowed to ask for the body, get ext_authz's metadata (the tenant), and
     * not be switched off on that route; the listener must hold the largest body tsgate counts.
     */
    private static void assertWritesMeetExtProc(String name, Bootstrap b) throws Exception {
        for (HttpConnectionManager hcm : EnvoyBootstrapValidator.connectionManagers(b)) {
            io.tsgate.it.EnvoyConfig config = new io.tsgate.it.EnvoyConfig(hcm, 0);
            boolean rerouted = config.extAuthz().getClearRouteCache();
            io.tsgate.it.RouteTable routes = config.routes();
            Map<String, io.tsgate.it.RouteTable.Match> writeRoutes = new java.util.TreeMap<>();
            for (String path : EndpointCatalogue.fixedPaths(RequestClass.WRITE)) {
                Endpoint e = EndpointCatalogue.classify("POST", path);
                for (String forwarded : new String[] {path, e == null ? null : e.clusterPath(new Tenant(1, 5))}) {
                    if (forwarded == null) {
                        continue;
                    }
                    io.tsgate.it.HeaderList h = new io.tsgate.it.HeaderList();
                    h.add(":method", "POST");
                    if (rerouted) {
                        h.add("x-tsgate-class", "write");
                        h.add("x-tsgate-tenant", "1:5");
                    }
                    io.tsgate.it.RouteTable.Match m = routes.match(rerouted ? forwarded : path, h);
                    if (m != null && !m.isDirectResponse()) {
                        writeRoutes.put(forwarded + " → " + m.name(), m);
                    }
                }
            }
            if (writeRoutes.isEmpty()) {
                continue; // routes no write anywhere: nothing to count
            }
            List<String> filters = config.filterNames();
            var proc = config.extProc();
            assertNotNull(proc, name + " routes writes (" + writeRoutes.keySet().iterator().next()
                    + ") but has no ext_proc filter: row and series limits would not hold");
            assertTrue(filters.indexOf(io.tsgate.it.EnvoyConfig.EXT_AUTHZ) < filters.indexOf(io.tsgate.it.EnvoyConfig.EXT_PROC)
                    && filters.indexOf(io.tsgate.it.EnvoyConfig.EXT_PROC) < filters.size() - 1, name + ": " + filters);
            String where = name + " ext_proc";
            assertAll(
                    () -> assertFalse(proc.getFailureModeAllow(), where + ": fail closed"),
                    () -> assertEquals(ProcessingMode.HeaderSendMode.SEND, proc.getProcessingMode().getRequestHeaderMode(),
                            where + ": request headers sent"),
                    () -> assertTrue(proc.getAllowModeOverride(), where + ": tsgate asks for a limited write's body"),
                    () -> assertTrue(proc.getMetadataOptions().getForwardingNamespaces().getUntypedList()
                            .contains(io.tsgate.it.EnvoyConfig.EXT_AUTHZ), where + ": ext_authz metadata (the tenant)"),
                    () -> assertEquals(config.extAuthz().getGrpcService().getEnvoyGrpc().getClusterName(),
                            proc.getGrpcService().getEnvoyGrpc().getClusterName(), where + ": the same tsgate"));
            for (Map.Entry<String, io.tsgate.it.RouteTable.Match> w : writeRoutes.entrySet()) {
                var perRoute = w.getValue().extProc();
                assertTrue(perRoute == null || !perRoute.getDisabled() && !perRoute.hasOverrides(),
                        name + ": write route " + w.getKey() + " switches ext_proc off or changes its mode");
            }
            var listener = b.getStaticResources().getListeners(0);
            long maxBody = Long.parseLong(FlagCatalogue.find("ingest.maxBodyBytes").defaultValue());
            assertTrue(listener.hasPerConnectionBufferLimitBytes()
                    && listener.getPerConnectionBufferLimitBytes().getValue() >= maxBody,
                    name + ": the listener's per_connection_buffer_limit_bytes must hold a buffered write body of "
                    + "-ingest.maxBodyBytes (" + maxBody + "), or Envoy answers 413 before tsgate counts it");
            Cluster tsgate = b.getStaticResources().getClustersList().stream().filter(c -> c.getName()
                    .equals(proc.getGrpcService().getEnvoyGrpc().getClusterName())).findFirst().orElseThrow();
            assertTrue(tsgate.getPerConnectionBufferLimitBytes().getValue() > maxBody,
                    name + ": the connection to tsgate carries a whole buffered body");
        }
    }

    /**
     * Istio buffers the body of every request for the check (no per-route setting), writes included. Envoy
     * (ext_authz.cc decodeHeaders) sets the stream's buffer limit to max_request_bytes when allow_partial_message is
     * false: every larger body, i.e. nearly every vmagent block, is 413 before tsgate is asked. With partial messages
     * Envoy sends the first max_request_bytes; more than the connection's buffer limit would be 413 from the
     * connection manager instead, so max_request_bytes stays below it.
     */
    @Test
    void istioBodySettingsCannotAnswer413ForALargeWrite() throws Exception {
        Bootstrap b = IstioSidecar.bootstrap();
        HttpConnectionManager hcm = EnvoyBootstrapValidator.connectionManagers(b).get(0);
        ExtAuthz authz = new io.tsgate.it.EnvoyConfig(hcm, 0).extAuthz();
        var body = authz.getWithRequestBody();
        long listenerLimit = b.getStaticResources().getListeners(0).hasPerConnectionBufferLimitBytes()
                ? b.getStaticResources().getListeners(0).getPerConnectionBufferLimitBytes().getValue() : 1 << 20;
        assertAll(
                () -> assertTrue(authz.hasWithRequestBody(), "read bodies reach tsgate"),
                () -> assertTrue(body.getAllowPartialMessage(), "allowPartialMessage: false answers 413 to large writes"),
                () -> assertTrue(body.getMaxRequestBytes() > 0 && body.getMaxRequestBytes() < listenerLimit,
                        "maxRequestBytes " + body.getMaxRequestBytes() + " must stay below the listener's buffer limit "
                        + listenerLimit),
                () -> assertFalse(authz.getFailureModeAllow(), "fail closed"));
    }

    // ---- Istio ----------------------------------------------------------------------------------------------

    @Test
    void istioRegistersTsgateAsGrpcExtAuthzAndUsesItWithCustomAction() throws Exception {
        JsonNode provider = documents("istio/mesh-config.yaml").get(0).at("/spec/meshConfig/extensionProviders/0");
        JsonNode grpc = provider.get("envoyExtAuthzGrpc");
        assertAll(
                () -> assertEquals("tsgate", provider.get("name").asText()),
                () -> assertEquals(9191, grpc.get("port").asInt()),
                () -> assertTrue(grpc.get("service").asText().startsWith("tsgate.")),
                () -> assertFalse(grpc.get("failOpen").asBoolean(), "fail closed"),
                () -> assertTrue(grpc.at("/includeRequestBodyInCheck/allowPartialMessage").asBoolean(false),
                        "Istio buffers every request's body for the check: writes too"),
                () -> assertTrue(grpc.get("clearRouteCache").asBoolean()));
        List<JsonNode> policies = documents("istio/authorization-policy.yaml");
        JsonNode custom = policies.stream().filter(p -> p.at("/spec/action").asText().equals("CUSTOM")).findFirst()
                .orElseThrow();
        assertEquals("tsgate", custom.at("/spec/provider/name").asText(), "names the mesh extension provider");
        assertEquals("victoriametrics", custom.at("/spec/selector/matchLabels/app").asText());
        assertEquals(1, custom.at("/spec/rules").size(), "one rule: every request");
        List<JsonNode> service = documents("istio/tsgate.yaml");
        JsonNode tsgate = container(kind(service, "Deployment").at("/spec/template/spec"), "tsgate");
        assertEquals("/ready", tsgate.at("/readinessProbe/httpGet/path").asText());
        assertEquals(9191, kind(service, "Service").at("/spec/ports/0/port").asInt());
    }
}

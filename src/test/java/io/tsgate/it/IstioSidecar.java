package io.tsgate.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.tsgate.envoy.bootstrap.EnvoyBootstrapValidator;
import io.tsgate.envoy.bootstrap.InvalidEnvoyConfigException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The inbound side of the VictoriaMetrics sidecar that Istio builds from {@code examples/istio/}: the ext_authz filter
 * Istio generates for the {@code envoyExtAuthzGrpc} provider of {@code mesh-config.yaml} (istio/istio
 * {@code pilot/pkg/security/authz/builder/extauthz.go} {@code generateGRPCConfig}, read at commit 86c9f01f: cluster
 * {@code outbound|<port>||<service>}, authority, timeout, failOpen, statusOnError, includeRequestBodyInCheck; no
 * clear_route_cache, which that code does not emit), then the patches of {@code ext-proc.yaml} applied as Istio
 * applies them, as one Envoy bootstrap checked by {@link EnvoyBootstrapValidator} (every patch value against Envoy's
 * v1.34 protos, strictly). Not modelled: the RBAC shadow rule that enables ext_authz per request
 * ({@code filter_enabled_metadata}; the shipped policy's one empty rule matches every request), Istio's other
 * inbound filters (metadata exchange, stats) and its mTLS. A patch this class does not model is an error, so a test
 * cannot pass on a patch it reads differently from Istio.
 */
public final class IstioSidecar {
    public static final Path DIR = Path.of("examples", "istio");
    /** Istio's inbound cluster for the VictoriaMetrics container port. */
    public static final String VICTORIAMETRICS_CLUSTER = "inbound|8428||";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final YAMLMapper YAML = new YAMLMapper();

    private IstioSidecar() {
    }

    /** The {@code envoyExtAuthzGrpc} provider named "tsgate" in mesh-config.yaml. */
    public static JsonNode provider() {
        for (JsonNode p : read("mesh-config.yaml").at("/spec/meshConfig/extensionProviders")) {
            if (p.path("name").asText().equals("tsgate")) {
                return p.get("envoyExtAuthzGrpc");
            }
        }
        throw new IllegalStateException("mesh-config.yaml has no extension provider named tsgate");
    }

    /** Istio's name for the provider's cluster: {@code outbound|<port>||<service>}. */
    public static String tsgateCluster() {
        JsonNode p = provider();
        return "outbound|" + p.get("port").asInt() + "||" + p.get("service").asText();
    }

    /** The configPatches of ext-proc.yaml. */
    public static List<JsonNode> patches() {
        JsonNode filter = read("ext-proc.yaml");
        if (!filter.path("kind").asText().equals("EnvoyFilter")) {
            throw new IllegalStateException("ext-proc.yaml is not an EnvoyFilter");
        }
        List<JsonNode> out = new java.util.ArrayList<>();
        filter.at("/spec/configPatches").forEach(out::add);
        return out;
    }

    /** The sidecar's inbound listener and the clusters it uses, as Envoy gets them; strictly validated. */
    public static Bootstrap bootstrap() throws InvalidEnvoyConfigException {
        ObjectNode hcm = JSON.createObjectNode();
        hcm.put("@type", "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3"
                + ".HttpConnectionManager");
        hcm.put("stat_prefix", "inbound_0.0.0.0_8428");
        // Istio's default pathNormalization (BASE): normalize_path on, slashes not merged.
        hcm.put("normalize_path", true);
        ArrayNode filters = hcm.putArray("http_filters");
        filters.add(JSON.createObjectNode().put("name", "envoy.filters.http.ext_authz").set("typed_config", extAuthz()));
        filters.add(JSON.createObjectNode().put("name", "envoy.filters.http.router").set("typed_config",
                JSON.createObjectNode().put("@type", "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router")));
        ObjectNode route = JSON.createObjectNode().put("name", "default");
        route.putObject("match").put("prefix", "/");
        route.putObject("route").put("cluster", VICTORIAMETRICS_CLUSTER).put("timeout", "0s");
        ObjectNode host = hcm.putObject("route_config").put("name", "inbound|http|8428").putArray("virtual_hosts")
                .addObject().put("name", "inbound|http|8428");
        host.putArray("domains").add("*");
        host.putArray("routes").add(route);

        ObjectNode listener = JSON.createObjectNode().put("name", "virtualInbound");
        listener.putObject("address").putObject("socket_address").put("address", "0.0.0.0").put("port_value", 15006);
        listener.putArray("filter_chains").addObject().putArray("filters").addObject()
                .put("name", "envoy.filters.network.http_connection_manager").set("typed_config", hcm);
        ObjectNode tsgate = cluster(tsgateCluster(), 9191);
        tsgate.putObject("typed_extension_protocol_options").putObject("envoy.extensions.upstreams.http.v3.HttpProtocolOptions")
                .put("@type", "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions")
                .putObject("explicit_http_config").putObject("http2_protocol_options");
        ObjectNode victoriametrics = cluster(VICTORIAMETRICS_CLUSTER, 8428);
        for (JsonNode patch : patches()) {
            apply(patch, filters, listener, tsgate);
        }
        ObjectNode bootstrap = JSON.createObjectNode();
        ObjectNode resources = bootstrap.putObject("static_resources");
        resources.putArray("listeners").add(listener);
        resources.putArray("clusters").add(tsgate).add(victoriametrics);
        return EnvoyBootstrapValidator.parse(bootstrap.toString());
    }

    /** The sidecar as the Envoy stand-in runs it. */
    public static EnvoyConfig envoyConfig() {
        try {
            return EnvoyConfig.of(bootstrap(), "examples/istio");
        } catch (InvalidEnvoyConfigException e) {
            throw new IllegalStateException("examples/istio: " + e.getMessage(), e);
        }
    }

    /** generateGRPCConfig: the provider's fields, mapped one to one. */
    private static ObjectNode extAuthz() {
        JsonNode p = provider();
        ObjectNode a = JSON.createObjectNode();
        a.put("@type", "type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz");
        ObjectNode grpc = a.putObject("grpc_service");
        grpc.putObject("envoy_grpc").put("cluster_name", tsgateCluster()).put("authority", p.get("service").asText());
        // timeoutOrDefault: 600s when the provider sets none.
        grpc.put("timeout", p.has("timeout") ? p.get("timeout").asText() : "600s");
        a.put("failure_mode_allow", p.path("failOpen").asBoolean(false));
        if (p.has("statusOnError")) {
            a.putObject("status_on_error").put("code", Integer.parseInt(p.get("statusOnError").asText()));
        }
        a.put("transport_api_version", "V3");
        JsonNode body = p.get("includeRequestBodyInCheck");
        if (body != null) {
            a.putObject("with_request_body")
                    .put("max_request_bytes", body.path("maxRequestBytes").asInt(0))
                    .put("allow_partial_message", body.path("allowPartialMessage").asBoolean(false))
                    .put("pack_as_bytes", body.path("packAsBytes").asBoolean(false));
        }
        return a;
    }

    private static ObjectNode cluster(String name, int port) {
        ObjectNode c = JSON.createObjectNode().put("name", name).put("type", "STATIC").put("connect_timeout", "1s");
        ObjectNode load = c.putObject("load_assignment").put("cluster_name", name);
        load.putArray("endpoints").addObject().putArray("lb_endpoints").addObject().putObject("endpoint")
                .putObject("address").putObject("socket_address").put("address", "127.0.0.1").put("port_value", port);
        return c;
    }

    /** One configPatch, as Istio's envoyfilter package applies it to the objects this sidecar has. */
    private static void apply(JsonNode patch, ArrayNode filters, ObjectNode listener, ObjectNode tsgate) {
        String applyTo = patch.path("applyTo").asText();
        String context = patch.at("/match/context").asText();
        String operation = patch.at("/patch/operation").asText();
        JsonNode value = patch.at("/patch/value");
        switch (applyTo + " " + context + " " + operation) {
            case "HTTP_FILTER SIDECAR_INBOUND INSERT_AFTER" -> {
                require(patch, "/match/listener/filterChain/filter/name", "envoy.filters.network.http_connection_manager");
                String after = patch.at("/match/listener/filterChain/filter/subFilter/name").asText();
                for (int i = 0; i < filters.size(); i++) {
                    if (filters.get(i).path("name").asText().equals(after)) {
                        filters.insert(i + 1, value.deepCopy());
                        return;
                    }
                }
                throw new IllegalStateException("ext-proc.yaml: no filter " + after + " to insert after");
            }
            case "LISTENER SIDECAR_INBOUND MERGE" -> {
                require(patch, "/match/listener/name", listener.get("name").asText());
                listener.setAll(scalars(patch));
            }
            case "CLUSTER SIDECAR_OUTBOUND MERGE" -> {
                JsonNode p = provider();
                require(patch, "/match/cluster/service", p.get("service").asText());
                if (patch.at("/match/cluster/portNumber").asInt() != p.get("port").asInt()) {
                    throw new IllegalStateException("ext-proc.yaml: cluster patch is not for tsgate's port");
                }
                tsgate.setAll(scalars(patch));
            }
            default -> throw new UnsupportedOperationException("ext-proc.yaml: patch not modelled: " + patch);
        }
    }

    /** A MERGE of scalar fields overwrites them (proto merge); nested messages would merge deeper: not modelled. */
    private static ObjectNode scalars(JsonNode patch) {
        JsonNode value = patch.at("/patch/value");
        value.fields().forEachRemaining(f -> {
            if (!f.getValue().isValueNode()) {
                throw new UnsupportedOperationException("ext-proc.yaml: MERGE of a nested field not modelled: " + f);
            }
        });
        return (ObjectNode) value.deepCopy();
    }

    private static void require(JsonNode patch, String pointer, String expected) {
        if (!patch.at(pointer).asText().equals(expected)) {
            throw new IllegalStateException("ext-proc.yaml: " + pointer + " must be " + expected + " in " + patch);
        }
    }

    private static JsonNode read(String file) {
        try {
            return YAML.readTree(DIR.resolve(file).toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

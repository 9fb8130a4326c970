package io.tsgate.envoy.bootstrap;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.access_loggers.file.v3.FileAccessLog;
import io.envoyproxy.envoy.extensions.access_loggers.stream.v3.StdoutAccessLog;
import io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.ExtAuthz;
import io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ExtProcPerRoute;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Parses an Envoy v3 bootstrap (YAML) the way Envoy does, strictly: an unknown field, a misspelled enum value or
 * a {@code typed_config} whose {@code @type} is not one of the extensions tsgate's configs use is an error naming
 * it. Then checks the commonly broken protoc-gen-validate rules of Envoy's protos ({@link ValidationRuleChecker})
 * and the cross-references Envoy would only find at start-up: every cluster a route or the ext_authz filter names
 * is defined in {@code static_resources}.
 *
 * <p>The proto schema is Envoy API v1.34 (io.envoyproxy.controlplane:api 1.0.49).
 */
public final class EnvoyBootstrapValidator {

    /** Every extension type the shipped configs may carry in a {@code typed_config} or {@code Any}. */
    private static final JsonFormat.TypeRegistry EXTENSIONS = JsonFormat.TypeRegistry.newBuilder()
            .add(HttpConnectionManager.getDescriptor())
            .add(ExtAuthz.getDescriptor())
            .add(ExtAuthzPerRoute.getDescriptor())
            .add(ExternalProcessor.getDescriptor())
            .add(ExtProcPerRoute.getDescriptor())
            .add(Router.getDescriptor())
            .add(HttpProtocolOptions.getDescriptor())
            .add(StdoutAccessLog.getDescriptor())
            .add(FileAccessLog.getDescriptor())
            .add(io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext.getDescriptor())
            .build();

    private static final ObjectMapper JSON = new ObjectMapper();

    private EnvoyBootstrapValidator() {
    }

    /** Parses and checks {@code yaml}; the exception message says which field or reference is wrong. */
    public static Bootstrap parse(String yaml) throws InvalidEnvoyConfigException {
        Bootstrap bootstrap = toProto(toJson(yaml));
        List<String> broken = ValidationRuleChecker.violations(bootstrap, EXTENSIONS);
        if (!broken.isEmpty()) {
            throw new InvalidEnvoyConfigException("Envoy bootstrap breaks the field rules of Envoy's v3 API: "
                    + String.join("; ", broken));
        }
        checkClusterReferences(bootstrap);
        return bootstrap;
    }

    /** The registry used for {@code @type} lookups; also needed to print a parsed bootstrap back as JSON. */
    public static JsonFormat.TypeRegistry typeRegistry() {
        return EXTENSIONS;
    }

    /** Unpacks the one HTTP connection manager of each listener's filter chains, in order. */
    public static List<HttpConnectionManager> connectionManagers(Bootstrap bootstrap)
            throws InvalidEnvoyConfigException {
        List<HttpConnectionManager> managers = new ArrayList<>();
        for (Listener listener : bootstrap.getStaticResources().getListenersList()) {
            for (FilterChain chain : listener.getFilterChainsList()) {
                for (Filter filter : chain.getFiltersList()) {
                    if (filter.getTypedConfig().is(HttpConnectionManager.class)) {
                        managers.add(unpack(filter.getTypedConfig(), HttpConnectionManager.class,
                                "listener " + listener.getName() + " filter " + filter.getName()));
                    }
                }
            }
        }
        return managers;
    }

    /** Unpacks {@code any} as {@code type}; {@code where} names the config location in the error. */
    public static <T extends com.google.protobuf.Message> T unpack(Any any, Class<T> type, String where)
            throws InvalidEnvoyConfigException {
        try {
            return any.unpack(type);
        } catch (InvalidProtocolBufferException e) {
            throw new InvalidEnvoyConfigException(where + ": expected " + type.getSimpleName() + ", got "
                    + any.getTypeUrl(), e);
        }
    }

    /**
     * YAML → JSON with anchors and aliases resolved, as Envoy's YAML loader does. SnakeYAML (the engine under
     * jackson-dataformat-yaml) is used directly because Jackson's tree model turns an alias into a string.
     */
    private static String toJson(String yaml) throws InvalidEnvoyConfigException {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        Object tree;
        try {
            tree = new Yaml(new SafeConstructor(options)).load(yaml);
        } catch (MarkedYAMLException e) {
            throw new InvalidEnvoyConfigException("Envoy bootstrap is not valid YAML: " + e.getProblem()
                    + " (line " + (e.getProblemMark().getLine() + 1) + ")", e);
        } catch (YAMLException e) {
            throw new InvalidEnvoyConfigException("Envoy bootstrap is not valid YAML: " + e.getMessage(), e);
        }
        if (!(tree instanceof Map)) {
            throw new InvalidEnvoyConfigException("Envoy bootstrap: expected a YAML mapping at the top level");
        }
        try {
            return JSON.writeValueAsString(tree);
        } catch (JsonProcessingException e) {
            throw new InvalidEnvoyConfigException("Envoy bootstrap cannot be converted to JSON: "
                    + e.getOriginalMessage(), e);
        }
    }

    private static Bootstrap toProto(String json) throws InvalidEnvoyConfigException {
        Bootstrap.Builder builder = Bootstrap.newBuilder();
        try {
            // Deliberately not ignoringUnknownFields(): Envoy rejects unknown fields, and so do we.
            JsonFormat.parser().usingTypeRegistry(EXTENSIONS).merge(json, builder);
        } catch (InvalidProtocolBufferException e) {
            throw new InvalidEnvoyConfigException("Envoy bootstrap does not match Envoy's v3 API (v1.34): "
                    + e.getMessage(), e);
        }
        return builder.build();
    }

    private static void checkClusterReferences(Bootstrap bootstrap) throws InvalidEnvoyConfigException {
        Set<String> clusters = bootstrap.getStaticResources().getClustersList().stream()
                .map(Cluster::getName)
                .collect(Collectors.toSet());
        for (HttpConnectionManager manager : connectionManagers(bootstrap)) {
            for (HttpFilter filter : manager.getHttpFiltersList()) {
                if (filter.getTypedConfig().is(ExtAuthz.class)) {
                    ExtAuthz authz = unpack(filter.getTypedConfig(), ExtAuthz.class, "http filter " + filter.getName());
                    if (authz.hasGrpcService() && authz.getGrpcService().hasEnvoyGrpc()) {
                        requireCluster(clusters, authz.getGrpcService().getEnvoyGrpc().getClusterName(),
                                "http filter " + filter.getName() + " grpc_service.envoy_grpc.cluster_name");
                    }
                }
            }
            for (VirtualHost host : manager.getRouteConfig().getVirtualHostsList()) {
                for (Route route : host.getRoutesList()) {
                    if (route.hasRoute() && !route.getRoute().getCluster().isEmpty()) {
                        requireCluster(clusters, route.getRoute().getCluster(),
                                "virtual host " + host.getName() + " route " + route.getName() + " route.cluster");
                    }
                }
            }
        }
    }

    private static void requireCluster(Set<String> clusters, String name, String where)
            throws InvalidEnvoyConfigException {
        if (!clusters.contains(name)) {
            throw new InvalidEnvoyConfigException(where + " names cluster '" + name
                    + "', which static_resources.clusters does not define (defined: " + clusters + ")");
        }
    }
}

package io.tsgate.it;

import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.ExtAuthz;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.tsgate.envoy.bootstrap.EnvoyBootstrapValidator;
import io.tsgate.envoy.bootstrap.InvalidEnvoyConfigException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The HTTP connection manager of a shipped Envoy bootstrap (envoy/*.yaml, examples/envoy/*.yaml), parsed with the
 * same strict validator as the configs' own tests, so the stand-ins run on exactly what users run. Tests that need a
 * variation change the parsed proto ({@link #with}), never a copy of the YAML.
 */
public record EnvoyConfig(HttpConnectionManager hcm, int bufferLimitBytes) {
    public static final String EXT_AUTHZ = "envoy.filters.http.ext_authz";
    public static final String EXT_PROC = "envoy.filters.http.ext_proc";
    public static final String ROUTER = "envoy.filters.http.router";

    /** {@code envoy/envoy-single.yaml}: single-node VictoriaMetrics, ext_authz then ext_proc. */
    public static EnvoyConfig single() {
        return load(Path.of("envoy", "envoy-single.yaml"));
    }

    /** {@code envoy/envoy-cluster.yaml}: vmselect / vminsert behind tsgate's rewrite. */
    public static EnvoyConfig cluster() {
        return load(Path.of("envoy", "envoy-cluster.yaml"));
    }

    /** {@code examples/envoy/envoy-mirror-hash.yaml}: shards by tenant hash, writes mirrored. */
    public static EnvoyConfig mirrorHash() {
        return load(Path.of("examples", "envoy", "envoy-mirror-hash.yaml"));
    }

    public static EnvoyConfig load(Path file) {
        try {
            return of(EnvoyBootstrapValidator.parse(Files.readString(file)), file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InvalidEnvoyConfigException e) {
            throw new IllegalStateException(file + ": " + e.getMessage(), e);
        }
    }

    /** A bootstrap already parsed by {@link EnvoyBootstrapValidator} ({@code where} names it in errors). */
    public static EnvoyConfig of(Bootstrap b, String where) throws InvalidEnvoyConfigException {
        List<HttpConnectionManager> managers = EnvoyBootstrapValidator.connectionManagers(b);
        if (managers.size() != 1) {
            throw new UnsupportedOperationException(where + ": stand-in models one HTTP connection manager");
        }
        var listener = b.getStaticResources().getListeners(0);
        // The listener's per_connection_buffer_limit_bytes bounds what a filter may buffer (Envoy's default 1 MiB).
        int limit = listener.hasPerConnectionBufferLimitBytes()
                ? listener.getPerConnectionBufferLimitBytes().getValue() : 1 << 20;
        return new EnvoyConfig(managers.get(0), limit);
    }

    /** The listener named {@code name} of a bootstrap with several (tsgate envoy-config -logs.url, -traces.url). */
    public static EnvoyConfig ofListener(Bootstrap b, String name) throws InvalidEnvoyConfigException {
        for (var listener : b.getStaticResources().getListenersList()) {
            if (listener.getName().equals(name)) {
                Bootstrap one = b.toBuilder().setStaticResources(b.getStaticResources().toBuilder().clearListeners()
                        .addListeners(listener)).build();
                return of(one, name);
            }
        }
        throw new IllegalArgumentException("no listener " + name);
    }

    /** A variation of this config (a test's own setting), built from the parsed proto. */
    public EnvoyConfig with(UnaryOperator<HttpConnectionManager.Builder> change) {
        return new EnvoyConfig(change.apply(hcm.toBuilder()).build(), bufferLimitBytes);
    }

    /** The filter chain's names, in order. */
    public List<String> filterNames() {
        return hcm.getHttpFiltersList().stream().map(HttpFilter::getName).toList();
    }

    /** The ext_authz filter's config (every shipped config has one). */
    public ExtAuthz extAuthz() {
        return filter(ExtAuthz.class);
    }

    /** The ext_proc filter's config, or null when the chain has none. */
    public ExternalProcessor extProc() {
        return hcm.getHttpFiltersList().stream().anyMatch(f -> f.getTypedConfig().is(ExternalProcessor.class))
                ? filter(ExternalProcessor.class) : null;
    }

    public RouteTable routes() {
        return new RouteTable(hcm.getRouteConfig());
    }

    /** Without the ext_proc filter, as {@code tsgate envoy-config} prints it without {@code -extProc}. */
    public EnvoyConfig withoutExtProc() {
        return with(b -> {
            for (int i = b.getHttpFiltersCount() - 1; i >= 0; i--) {
                if (b.getHttpFilters(i).getTypedConfig().is(ExternalProcessor.class)) {
                    b.removeHttpFilters(i);
                }
            }
            return b;
        });
    }

    /** Replaces the ext_authz filter's config. */
    public EnvoyConfig withExtAuthz(UnaryOperator<ExtAuthz.Builder> change) {
        return with(b -> {
            for (int i = 0; i < b.getHttpFiltersCount(); i++) {
                if (b.getHttpFilters(i).getTypedConfig().is(ExtAuthz.class)) {
                    ExtAuthz updated = change.apply(extAuthz().toBuilder()).build();
                    b.setHttpFilters(i, b.getHttpFilters(i).toBuilder().setTypedConfig(com.google.protobuf.Any.pack(updated)));
                }
            }
            return b;
        });
    }

    /** Replaces the ext_proc filter's config. */
    public EnvoyConfig withExtProc(UnaryOperator<ExternalProcessor.Builder> change) {
        return with(b -> {
            for (int i = 0; i < b.getHttpFiltersCount(); i++) {
                if (b.getHttpFilters(i).getTypedConfig().is(ExternalProcessor.class)) {
                    ExternalProcessor updated = change.apply(extProc().toBuilder()).build();
                    b.setHttpFilters(i, b.getHttpFilters(i).toBuilder().setTypedConfig(com.google.protobuf.Any.pack(updated)));
                }
            }
            return b;
        });
    }

    private <T extends com.google.protobuf.Message> T filter(Class<T> type) {
        for (HttpFilter f : hcm.getHttpFiltersList()) {
            if (f.getTypedConfig().is(type)) {
                try {
                    return f.getTypedConfig().unpack(type);
                } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        throw new IllegalStateException("no " + type.getSimpleName() + " filter");
    }
}

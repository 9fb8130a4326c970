package io.tsgate.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * The one JUnit 5 extension that owns real servers for integration tests. Servers start lazily on first use and
 * live in the root {@link ExtensionContext.Store}, so every IT class in a run shares one VictoriaMetrics; JUnit
 * closes them when the run ends.
 *
 * <p>Use: {@code @ExtendWith(ExternalServers.class)} and take a {@link VictoriaMetricsServer} parameter (constructor,
 * lifecycle or test method). To add a server (nginx, redis-server), add a resource class wrapping a
 * {@link ManagedProcess} and one more branch in {@link #resolveParameter}.
 */
public final class ExternalServers implements ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(ExternalServers.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == VictoriaMetricsServer.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return victoriaMetrics(context);
    }

    /** The run's shared VictoriaMetrics, started on first call. */
    public static VictoriaMetricsServer victoriaMetrics(ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE)
                .getOrComputeIfAbsent(VictoriaMetricsResource.class, k -> new VictoriaMetricsResource(),
                        VictoriaMetricsResource.class)
                .server;
    }

    // Both interfaces: JUnit 5.13+ closes AutoCloseable store values and warns about CloseableResource-only ones.
    private static final class VictoriaMetricsResource
            implements ExtensionContext.Store.CloseableResource, AutoCloseable {
        final VictoriaMetricsServer server;

        VictoriaMetricsResource() {
            try {
                server = VictoriaMetricsServer.start();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start VictoriaMetrics", e);
            }
        }

        @Override
        public void close() {
            server.close();
        }
    }
}

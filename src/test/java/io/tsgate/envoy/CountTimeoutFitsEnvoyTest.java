package io.tsgate.envoy;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.util.Durations;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.tsgate.config.FlagParser;
import io.tsgate.config.GatewayConfig;
import io.tsgate.envoy.bootstrap.EnvoyBootstrapValidator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * tsgate answers a counted write before Envoy gives up on it: the default -ingest.countTimeout plus the limiter's
 * own bound (-redis.timeout, the slowest backend) fit in the shipped ext_proc message_timeout. Otherwise a slow count
 * would end as Envoy's own failure instead of tsgate's documented 503.
 */
class CountTimeoutFitsEnvoyTest {
    @ParameterizedTest
    @ValueSource(strings = {"envoy-single.yaml", "envoy-cluster.yaml"})
    void defaultCountTimeoutAndLimiterRoundTripFitInMessageTimeout(String file) throws Exception {
        GatewayConfig defaults = GatewayConfig.from(FlagParser.parse(List.of("-enable.auth=false"), Map.of()));
        Duration tsgate = defaults.counting().timeout().plus(defaults.limits().redisTimeout());
        Duration envoy = null;
        for (HttpConnectionManager m : EnvoyBootstrapValidator.connectionManagers(
                EnvoyBootstrapValidator.parse(Files.readString(Path.of("envoy", file))))) {
            for (HttpFilter f : m.getHttpFiltersList()) {
                if (f.getTypedConfig().is(ExternalProcessor.class)) {
                    ExternalProcessor p = f.getTypedConfig().unpack(ExternalProcessor.class);
                    envoy = Duration.ofMillis(Durations.toMillis(p.getMessageTimeout()));
                }
            }
        }
        assertTrue(envoy != null, file + " has an ext_proc filter");
        assertTrue(tsgate.compareTo(envoy) <= 0, "-ingest.countTimeout + -redis.timeout = " + tsgate
                + " must fit in " + file + "'s message_timeout " + envoy);
    }
}

package io.tsgate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tsgate.envoy.bootstrap.EnvoyBootstrapValidator;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** {@code tsgate envoy-config} is reachable from the command line and listed in the help. */
class MainEnvoyConfigTest {

    @Test
    void envoyConfigSubcommandPrintsAValidBootstrap() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int exit = Main.run(new String[] {"envoy-config", "-clusterMode"}, new PrintStream(out, true, StandardCharsets.UTF_8),
                System.err);
        assertEquals(0, exit);
        String yaml = out.toString(StandardCharsets.UTF_8);
        assertTrue(yaml.contains("vmselect"), yaml);
        EnvoyBootstrapValidator.parse(yaml);
    }

    @Test
    void helpNamesTheSubcommand() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertEquals(0, Main.run(new String[] {"-help"}, new PrintStream(out, true, StandardCharsets.UTF_8), System.err));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("tsgate envoy-config"));
    }
}

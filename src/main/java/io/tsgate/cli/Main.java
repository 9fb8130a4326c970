package io.tsgate.cli;

import io.tsgate.Gateway;
import io.tsgate.config.ConfigException;
import io.tsgate.config.FlagCatalogue;
import io.tsgate.config.FlagSpec;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;

/**
 * {@code tsgate [flags]} serves; {@code tsgate token …} mints a token; {@code tsgate check …} explains one decision.
 * A wrong flag or config stops start-up with one line naming it and exit code 2.
 */
public final class Main {
    static final String VERSION = io.tsgate.BuildInfo.current().version();

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        List<String> a = Arrays.asList(args);
        if (!a.isEmpty()) {
            switch (a.get(0)) {
                case "token":
                    return TokenCommand.run(a.subList(1, a.size()), out, err);
                case "check":
                    return CheckCommand.run(a.subList(1, a.size()), out, err);
                case "envoy-config":
                    return EnvoyConfigCommand.run(a.subList(1, a.size()), out, err);
                case "apikey":
                    return io.tsgate.cli.ApiKeyCommand.run(a.subList(1, a.size()), out, err);
                default:
                    break;
            }
        }
        if (a.contains("-help") || a.contains("--help") || a.contains("-h")) {
            printHelp(out);
            return 0;
        }
        if (a.contains("-version") || a.contains("--version")) {
            out.println(io.tsgate.BuildInfo.current().line());
            return 0;
        }
        Gateway gateway;
        try {
            gateway = Gateway.start(args);
        } catch (ConfigException e) {
            err.println("tsgate: " + e.getMessage());
            return 2;
        } catch (java.io.IOException e) {
            err.println("tsgate: cannot listen: " + e.getMessage());
            return 1;
        }
        io.tsgate.StopSignals.install(gateway);
        try {
            gateway.awaitTermination();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    static void printHelp(PrintStream out) {
        out.println("tsgate " + VERSION + " — Envoy ext_authz sidecar for VictoriaMetrics");
        out.println();
        out.println("Usage: tsgate [flags]          serve ext_authz (gRPC) and /metrics, /health, /ready (HTTP)");
        out.println("       tsgate token [options]  mint a token (tsgate token -help)");
        out.println("       tsgate check [options]  explain the decision for one request (tsgate check -help)");
        out.println("       tsgate envoy-config [options]  print a validated Envoy bootstrap (tsgate envoy-config -help)");
        out.println("       tsgate apikey create NAME [options]  make an API key (tsgate apikey -help)");
        out.println();
        out.println("Flags take -name=value, --name=value or -name value; list flags repeat or take commas.");
        for (FlagSpec f : FlagCatalogue.FLAGS) {
            out.printf("  -%s (%s, default \"%s\")%n      %s%n", f.name(), f.kind().name().toLowerCase(java.util.Locale.ROOT),
                    f.defaultValue(), f.help());
        }
        out.println();
        out.println("vmgateway flags that tsgate takes with a warning, or refuses:");
        for (io.tsgate.config.VmgatewayFlag f : FlagCatalogue.VMGATEWAY_ONLY) {
            out.printf("  %s%n", f.message());
        }
    }
}

package io.tsgate.cli;

import io.tsgate.envoy.bootstrap.BackendAddress;
import io.tsgate.envoy.bootstrap.EnvoyConfigGenerator;
import io.tsgate.envoy.bootstrap.EnvoyConfigOptions;
import io.tsgate.envoy.bootstrap.InvalidEnvoyConfigException;
import java.io.PrintStream;
import java.util.List;

/**
 * {@code tsgate envoy-config [-clusterMode] [-read.url=…] [-write.url=…] [-extProc=false] …}: prints a complete Envoy
 * bootstrap for tsgate, validated against Envoy's Bootstrap proto before printing. Exit 0, or 2 on a usage error.
 * The ext_proc filter is in by default: without it no write body is counted, so row and series limits would not
 * hold; {@code -extProc=false} leaves it out for deployments that have no such limits.
 */
public final class EnvoyConfigCommand {
    private EnvoyConfigCommand() {
    }

    public static int run(List<String> args, PrintStream out, PrintStream err) {
        boolean cluster = false;
        boolean extProc = true;
        String readUrl = null;
        String writeUrl = null;
        String tsgate = EnvoyConfigOptions.DEFAULT_TSGATE;
        String listen = EnvoyConfigOptions.DEFAULT_LISTEN;
        String admin = EnvoyConfigOptions.DEFAULT_ADMIN;
        String tlsCa = null;
        String tlsCert = null;
        String tlsKey = null;
        String tlsName = null;
        try {
            for (String a : args) {
                String name = a.replaceFirst("^--?", "");
                int eq = name.indexOf('=');
                String key = eq < 0 ? name : name.substring(0, eq);
                String value = eq < 0 ? null : name.substring(eq + 1);
                switch (key) {
                    case "help", "h" -> {
                        usage(out);
                        return 0;
                    }
                    case "clusterMode" -> cluster = bool(key, value);
                    case "extProc" -> extProc = bool(key, value);
                    case "read.url" -> readUrl = required(key, value);
                    case "write.url" -> writeUrl = required(key, value);
                    case "tsgate.grpcAddr" -> tsgate = required(key, value);
                    case "envoy.listenAddr" -> listen = required(key, value);
                    case "envoy.adminAddr" -> admin = required(key, value);
                    case "tsgate.tlsCAFile" -> tlsCa = required(key, value);
                    case "tsgate.tlsCertFile" -> tlsCert = required(key, value);
                    case "tsgate.tlsKeyFile" -> tlsKey = required(key, value);
                    case "tsgate.tlsServerName" -> tlsName = required(key, value);
                    default -> {
                        err.println("tsgate envoy-config: unknown option " + a + " (run tsgate envoy-config -help)");
                        return 2;
                    }
                }
            }
            String read = readUrl != null ? readUrl
                    : cluster ? EnvoyConfigOptions.DEFAULT_VMSELECT_URL : EnvoyConfigOptions.DEFAULT_SINGLE_URL;
            String write = writeUrl != null ? writeUrl : cluster ? EnvoyConfigOptions.DEFAULT_VMINSERT_URL : read;
            BackendAddress tsgateAddress = BackendAddress.ofHostPort("tsgate.grpcAddr", tsgate);
            EnvoyConfigOptions options = new EnvoyConfigOptions(cluster, BackendAddress.ofUrl("read.url", read),
                    BackendAddress.ofUrl("write.url", write), extProc, tsgateAddress,
                    BackendAddress.ofHostPort("envoy.listenAddr", listen),
                    BackendAddress.ofHostPort("envoy.adminAddr", admin),
                    tlsCa == null && tlsCert == null && tlsKey == null && tlsName == null ? null
                            : new EnvoyConfigOptions.TsgateTls(tlsCa, tlsCert, tlsKey,
                                    tlsName != null ? tlsName : tsgateAddress.host()));
            out.print(EnvoyConfigGenerator.generate(options));
            return 0;
        } catch (IllegalArgumentException e) {
            err.println("tsgate envoy-config: " + e.getMessage());
            return 2;
        } catch (InvalidEnvoyConfigException e) {
            err.println("tsgate envoy-config: the generated bootstrap is invalid (a bug): " + e.getMessage());
            return 1;
        }
    }

    private static boolean bool(String key, String value) {
        if (value == null || value.equals("true")) {
            return true;
        }
        if (value.equals("false")) {
            return false;
        }
        throw new IllegalArgumentException("-" + key + " takes true or false, not " + value);
    }

    private static String required(String key, String value) {
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException("-" + key + " needs a value: -" + key + "=…");
        }
        return value;
    }

    static void usage(PrintStream out) {
        out.println("Usage: tsgate envoy-config [options]   print an Envoy bootstrap for tsgate (validated)");
        out.println("  -clusterMode            VictoriaMetrics cluster: reads to vmselect, writes to vminsert (run tsgate with -clusterMode)");
        out.println("  -read.url=URL           single-node VictoriaMetrics, or vmselect (default "
                + EnvoyConfigOptions.DEFAULT_SINGLE_URL + ", cluster " + EnvoyConfigOptions.DEFAULT_VMSELECT_URL + ")");
        out.println("  -write.url=URL          where writes go (default: -read.url, cluster " + EnvoyConfigOptions.DEFAULT_VMINSERT_URL + ")");
        out.println("  -extProc=false          leave out the ext_proc filter (in by default): tsgate then counts no write body,");
        out.println("                          so rows_inserted/new_series/active_series limits are not enforced through this Envoy");
        out.println("  -tsgate.grpcAddr=H:P    tsgate's gRPC listener (default " + EnvoyConfigOptions.DEFAULT_TSGATE + ")");
        out.println("  -envoy.listenAddr=H:P   Envoy's listener for clients (default " + EnvoyConfigOptions.DEFAULT_LISTEN + ")");
        out.println("  -envoy.adminAddr=H:P    Envoy's admin listener (default " + EnvoyConfigOptions.DEFAULT_ADMIN + ")");
        out.println("  -tsgate.tlsCAFile=F     reach tsgate over TLS (tsgate -tls), verifying its certificate with this CA");
        out.println("  -tsgate.tlsCertFile=F -tsgate.tlsKeyFile=F   Envoy's client certificate for tsgate's -tlsCAFile (mTLS)");
        out.println("  -tsgate.tlsServerName=N the name in tsgate's certificate (default: the host of -tsgate.grpcAddr)");
    }
}

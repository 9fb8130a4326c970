package io.tsgate.cli;

import io.tsgate.envoy.bootstrap.BackendAddress;
import io.tsgate.envoy.bootstrap.EnvoyConfigGenerator;
import io.tsgate.envoy.bootstrap.EnvoyConfigOptions;
import io.tsgate.envoy.bootstrap.InvalidEnvoyConfigException;
import java.io.PrintStream;
import java.util.List;
import picocli.CommandLine.Option;

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
        Options o = new Options();
        Integer done = SubcommandOptions.parse(o, "tsgate envoy-config", args, () -> usage(out), err);
        if (done != null) {
            return done;
        }
        boolean cluster = o.clusterMode;
        boolean extProc = o.extProc;
        try {
            String readUrl = optional("read.url", o.readUrl);
            String writeUrl = optional("write.url", o.writeUrl);
            String tsgate = required("tsgate.grpcAddr", o.tsgate);
            String listen = required("envoy.listenAddr", o.listen);
            String admin = required("envoy.adminAddr", o.admin);
            String tlsCa = optional("tsgate.tlsCAFile", o.tlsCa);
            String tlsCert = optional("tsgate.tlsCertFile", o.tlsCert);
            String tlsKey = optional("tsgate.tlsKeyFile", o.tlsKey);
            String tlsName = optional("tsgate.tlsServerName", o.tlsName);
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
            options = withLogs(options, o);
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

    /** Adds the VictoriaLogs and VictoriaTraces listeners asked for ({@code -logs.url}, {@code -traces.url}). */
    private static EnvoyConfigOptions withLogs(EnvoyConfigOptions base, Options o) {
        EnvoyConfigOptions.LogsUpstream logs = logsUpstream("logs", o.logsUrl, o.logsListen);
        EnvoyConfigOptions.LogsUpstream traces = logsUpstream("traces", o.tracesUrl, o.tracesListen);
        return new EnvoyConfigOptions(base.clusterMode(), base.read(), base.write(), base.extProc(), base.tsgate(),
                base.listen(), base.admin(), base.tsgateTls(), logs, traces);
    }

    private static EnvoyConfigOptions.LogsUpstream logsUpstream(String name, String url, String listen) {
        if (url == null) {
            return null;
        }
        return new EnvoyConfigOptions.LogsUpstream(BackendAddress.ofUrl(name + ".url", required(name + ".url", url)),
                BackendAddress.ofHostPort(name + ".listenAddr", required(name + ".listenAddr", listen)));
    }

    /** The options of {@code tsgate envoy-config}. */
    static final class Options {
        @Option(names = {"-clusterMode", "--clusterMode"}, arity = "0..1", fallbackValue = "true") boolean clusterMode;
        @Option(names = {"-extProc", "--extProc"}, arity = "0..1", fallbackValue = "true") boolean extProc = true;
        @Option(names = {"-read.url", "--read.url"}) String readUrl;
        @Option(names = {"-write.url", "--write.url"}) String writeUrl;
        @Option(names = {"-tsgate.grpcAddr", "--tsgate.grpcAddr"}) String tsgate = EnvoyConfigOptions.DEFAULT_TSGATE;
        @Option(names = {"-envoy.listenAddr", "--envoy.listenAddr"}) String listen = EnvoyConfigOptions.DEFAULT_LISTEN;
        @Option(names = {"-envoy.adminAddr", "--envoy.adminAddr"}) String admin = EnvoyConfigOptions.DEFAULT_ADMIN;
        @Option(names = {"-logs.url", "--logs.url"}) String logsUrl;
        @Option(names = {"-logs.listenAddr", "--logs.listenAddr"}) String logsListen = EnvoyConfigOptions.DEFAULT_LOGS_LISTEN;
        @Option(names = {"-traces.url", "--traces.url"}) String tracesUrl;
        @Option(names = {"-traces.listenAddr", "--traces.listenAddr"}) String tracesListen
                = EnvoyConfigOptions.DEFAULT_TRACES_LISTEN;
        @Option(names = {"-tsgate.tlsCAFile", "--tsgate.tlsCAFile"}) String tlsCa;
        @Option(names = {"-tsgate.tlsCertFile", "--tsgate.tlsCertFile"}) String tlsCert;
        @Option(names = {"-tsgate.tlsKeyFile", "--tsgate.tlsKeyFile"}) String tlsKey;
        @Option(names = {"-tsgate.tlsServerName", "--tsgate.tlsServerName"}) String tlsName;
        @Option(names = {"-h", "--h", "-help", "--help"}, usageHelp = true) boolean help;
    }

    private static String optional(String key, String value) {
        return value == null ? null : required(key, value);
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
        out.println("  -logs.url=URL           add a listener for VictoriaLogs at URL (routes carry backend=logs for tsgate)");
        out.println("  -logs.listenAddr=H:P    its listener (default " + EnvoyConfigOptions.DEFAULT_LOGS_LISTEN + ")");
        out.println("  -traces.url=URL         add a listener for VictoriaTraces at URL (backend=traces)");
        out.println("  -traces.listenAddr=H:P  its listener (default " + EnvoyConfigOptions.DEFAULT_TRACES_LISTEN + ")");
        out.println("  -tsgate.tlsCAFile=F     reach tsgate over TLS (tsgate -tls), verifying its certificate with this CA");
        out.println("  -tsgate.tlsCertFile=F -tsgate.tlsKeyFile=F   Envoy's client certificate for tsgate's -tlsCAFile (mTLS)");
        out.println("  -tsgate.tlsServerName=N the name in tsgate's certificate (default: the host of -tsgate.grpcAddr)");
    }
}

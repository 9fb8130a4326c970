package io.tsgate.cli;

import io.tsgate.auth.KeyPairFiles;
import io.tsgate.auth.TokenMinter;
import io.tsgate.config.ConfigException;
import io.tsgate.config.Durations;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.EdECPrivateKey;
import java.security.interfaces.RSAPrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * {@code tsgate token -key=FILE [options]} prints a signed token in vmgateway's claim format;
 * {@code tsgate token keygen -family=RSA -dir=DIR -name=NAME} writes a key pair ({@code NAME.pem}, {@code NAME.key};
 * the private key owner-only, an existing file replaced only with {@code -force}).
 * Exit 0 on success, 2 on a usage error.
 */
public final class TokenCommand {
    private TokenCommand() {
    }

    public static int run(List<String> args, PrintStream out, PrintStream err) {
        if (!args.isEmpty() && args.get(0).equals("keygen")) {
            return keygen(args.subList(1, args.size()), out, err);
        }
        MintOptions o = new MintOptions();
        Integer done = SubcommandOptions.parse(o, "tsgate token", args, () -> usage(out), err);
        if (done != null) {
            return done;
        }
        String keyFile = o.keyFile;
        String alg = o.alg;
        String kid = o.kid == null || o.kid.isEmpty() ? null : o.kid;
        String sub = o.sub;
        String iss = o.iss;
        String aud = o.aud;
        try {
            long account = unsigned32("account", o.account);
            long project = unsigned32("project", o.project);
            int mode = o.mode == null ? -1 : mode(o.mode);
            Duration ttl = signedDuration("ttl", o.ttl);
            Long nbfOffset = o.nbf == null ? null : signedDuration("nbf", o.nbf).toSeconds();
            Map<String, String> labels = new LinkedHashMap<>();
            for (String l : o.labels) {
                putLabel(l, labels);
            }
            List<String> filters = o.filters;
            if (keyFile == null) {
                throw new ConfigException("-key is required: a private key PEM file, or an HMAC secret file with -alg=HS256");
            }
            Map<String, Object> vmAccess = new LinkedHashMap<>();
            if (o.metrics) {
                Map<String, Object> tenant = new LinkedHashMap<>();
                tenant.put("account_id", account);
                tenant.put("project_id", project);
                vmAccess.put("tenant_id", tenant);
                if (!labels.isEmpty()) {
                    vmAccess.put("extra_labels", labels);
                }
                if (!filters.isEmpty()) {
                    vmAccess.put("extra_filters", filters);
                }
            } else if (!labels.isEmpty() || !filters.isEmpty()) {
                throw new ConfigException("-label and -filter confine metrics, which -metrics=false leaves out");
            }
            putLogsPart(vmAccess, "logs", o.logsAccount, o.logsProject, o.logsFilters, o.logsStreamFilters);
            putLogsPart(vmAccess, "traces", o.tracesAccount, o.tracesProject, o.tracesFilters, o.tracesStreamFilters);
            if (vmAccess.isEmpty()) {
                throw new ConfigException("-metrics=false needs a logs or traces part (-logs.account=N, -traces.account=N, …)");
            }
            if (mode >= 0) {
                vmAccess.put("mode", mode);
            }
            long now = Instant.now().getEpochSecond();
            Map<String, Object> claims = new LinkedHashMap<>();
            if (sub != null) {
                claims.put("sub", sub);
            }
            if (iss != null) {
                claims.put("iss", iss);
            }
            if (aud != null) {
                claims.put("aud", aud);
            }
            claims.put("iat", now);
            if (nbfOffset != null) {
                claims.put("nbf", now + nbfOffset);
            }
            claims.put("exp", now + ttl.toSeconds());
            if (!o.noVmAccess) {
                claims.put("vm_access", vmAccess);
            }
            for (String c : o.claims) {
                putClaim(c, claims);
            }
            out.println(sign(Path.of(keyFile), alg, kid, claims));
            return 0;
        } catch (ConfigException | IllegalArgumentException e) {
            err.println("tsgate token: " + e.getMessage());
            return 2;
        } catch (IOException e) {
            err.println("tsgate token: cannot read " + keyFile + ": " + e.getMessage());
            return 2;
        }
    }

    /**
     * The {@code logs_*} (vmauth's) or {@code traces_*} (tsgate's) fields, when any of their options is given; a
     * given part always names its tenant, so the token says which tenant it grants even when that is 0:0.
     */
    private static void putLogsPart(Map<String, Object> vmAccess, String prefix, String account, String project,
                                    List<String> filters, List<String> streamFilters) throws ConfigException {
        if (account == null && project == null && filters.isEmpty() && streamFilters.isEmpty()) {
            return;
        }
        vmAccess.put(prefix + "_account_id", unsigned32(prefix + ".account", account == null ? "0" : account));
        vmAccess.put(prefix + "_project_id", unsigned32(prefix + ".project", project == null ? "0" : project));
        for (String f : filters) {
            if (f.isBlank()) {
                throw new ConfigException("-" + prefix + ".filter wants a LogsQL filter, got an empty one");
            }
        }
        for (String f : streamFilters) {
            if (f.isBlank()) {
                throw new ConfigException("-" + prefix + ".streamFilter wants a stream filter, got an empty one");
            }
        }
        if (!filters.isEmpty()) {
            vmAccess.put(prefix + "_extra_filters", filters);
        }
        if (!streamFilters.isEmpty()) {
            vmAccess.put(prefix + "_extra_stream_filters", streamFilters);
        }
    }

    private static String sign(Path keyFile, String alg, String kid, Map<String, Object> claims) throws IOException {
        if (alg != null && alg.startsWith("HS")) {
            return TokenMinter.mint(alg, kid, TokenMinter.readHmacSecret(keyFile), claims);
        }
        PrivateKey key = TokenMinter.readPrivateKey(keyFile);
        return TokenMinter.mint(alg == null ? defaultAlg(key) : alg, kid, key, claims);
    }

    static String defaultAlg(PrivateKey key) {
        if (key instanceof RSAPrivateKey) {
            return "RS256";
        }
        if (key instanceof EdECPrivateKey) {
            return "EdDSA";
        }
        if (key instanceof ECPrivateKey ec) {
            int bits = ec.getParams().getOrder().bitLength();
            return bits <= 256 ? "ES256" : bits <= 384 ? "ES384" : "ES512";
        }
        throw new IllegalArgumentException("unsupported private key " + key.getAlgorithm());
    }

    private static int keygen(List<String> args, PrintStream out, PrintStream err) {
        KeygenOptions o = new KeygenOptions();
        Integer done = SubcommandOptions.parse(o, "tsgate token keygen", args, () -> usage(out), err);
        if (done != null) {
            return done;
        }
        String family = o.family;
        String dir = o.dir;
        String name = o.name;
        String hmac = o.hmac;
        boolean force = o.force;
        try {
            SecureRandom random = new SecureRandom();
            if (hmac != null) {
                out.println(KeyPairFiles.writeHmacSecret(Path.of(dir).resolve(hmac), 64, random, force));
                return 0;
            }
            KeyPairFiles files = KeyPairFiles.generate(family, Path.of(dir), name, random, force);
            out.println(files.publicKeyFile() + " " + files.privateKeyFile() + " " + files.algorithm());
            return 0;
        } catch (IllegalArgumentException e) {
            err.println("tsgate token keygen: " + e.getMessage());
            return 2;
        } catch (FileAlreadyExistsException e) {
            err.println("tsgate token keygen: " + e.getFile() + " already exists; pass -force to replace it "
                    + "(tokens signed with the old key stop verifying)");
            return 2;
        } catch (IOException e) {
            err.println("tsgate token keygen: cannot write into " + dir + ": " + e.getMessage());
            return 2;
        }
    }

    private static Duration signedDuration(String option, String value) throws ConfigException {
        boolean negative = value.startsWith("-");
        Duration d = Durations.parse(negative ? value.substring(1) : value);
        if (d == null) {
            throw new ConfigException("-" + option + " wants a duration such as 1h, 30m or -5m, got \"" + value + "\"");
        }
        return negative ? d.negated() : d;
    }

    static int mode(String v) throws ConfigException {
        return switch (v) {
            case "0", "full" -> 0;
            case "1", "read" -> 1;
            case "2", "write" -> 2;
            case "3", "readwrite", "read+write" -> 3;
            default -> throw new ConfigException("-mode wants 0|full, 1|read, 2|write or 3|readwrite, got \"" + v + "\"");
        };
    }

    /**
     * {@code NAME=VALUE}: VALUE as JSON when it parses as JSON ({@code ["a","b"]}, {@code {"roles":[…]}}, {@code 5}),
     * else as a string. NAME is taken whole (dots included), so {@code https://example.com/groups} works.
     */
    private static void putClaim(String spec, Map<String, Object> claims) throws ConfigException {
        int eq = spec.indexOf('=');
        if (eq <= 0) {
            throw new ConfigException("-claim wants NAME=VALUE, got \"" + spec + "\"");
        }
        String value = spec.substring(eq + 1);
        Object parsed;
        try {
            parsed = CLAIM_JSON.readValue(value, Object.class);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            parsed = value;
        }
        claims.put(spec.substring(0, eq), parsed);
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper CLAIM_JSON =
            new com.fasterxml.jackson.databind.ObjectMapper()
                    .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private static void usage(PrintStream out) {
        out.println("Usage: tsgate token -key=FILE [options]       print a signed token (vmgateway claim format)");
        out.println("       tsgate token keygen [-family=RSA|P-256|P-384|P-521|Ed25519] [-dir=.] [-name=tsgate] [-force]");
        out.println("       tsgate token keygen -hmac=FILE [-dir=.] [-force]  write a random HMAC secret");
        out.println("  keygen writes private keys and secrets with mode 0600 and never replaces a file unless -force");
        out.println();
        out.println("  -key=FILE        private key PEM (PKCS#8, SEC1 or PKCS#1), or HMAC secret file with -alg=HS*");
        out.println("  -alg=ALG         RS256..PS512, ES256..ES512, EdDSA, HS256..HS512 (default: from the key)");
        out.println("  -kid=ID          key id header (the public key file name without .pem, as tsgate loads it)");
        out.println("  -account=N       vm_access.tenant_id.account_id (default 0)");
        out.println("  -project=N       vm_access.tenant_id.project_id (default 0)");
        out.println("  -mode=M          0|full, 1|read, 2|write, 3|readwrite (default: omitted = full)");
        out.println("  -label=k=v       extra_labels entry (repeat)");
        out.println("  -filter=SEL      extra_filters entry, a series selector {…} (repeat)");
        out.println("  -metrics=false   leave out the metrics part (tenant_id): a logs- or traces-only token");
        out.println("  -logs.account=N -logs.project=N   vm_access.logs_account_id / logs_project_id (VictoriaLogs tenant)");
        out.println("  -logs.filter=F   logs_extra_filters entry, a LogsQL filter (repeat)");
        out.println("  -logs.streamFilter=F  logs_extra_stream_filters entry (repeat)");
        out.println("  -traces.account=N -traces.project=N -traces.filter=F -traces.streamFilter=F");
        out.println("                   the traces_* twins (VictoriaTraces; each absent one falls back to its logs_* value)");
        out.println("  -ttl=DUR         lifetime (default 1h; negative for an already expired token)");
        out.println("  -nbf=DUR         not-before offset from now");
        out.println("  -sub, -iss, -aud registered claims");
        out.println("  -claim=NAME=VAL  any claim; VAL is JSON when it parses (-claim=groups='[\"team-dev\"]'), else text");
        out.println("                   (repeat; applied last, so it can replace iss, aud or vm_access)");
        out.println("  -noVmAccess      leave vm_access out (a token for -auth.accessRules)");
    }

    /** The options of {@code tsgate token}. */
    static final class MintOptions {
        @Option(names = {"-key", "--key"}) String keyFile;
        @Option(names = {"-alg", "--alg"}) String alg;
        @Option(names = {"-kid", "--kid"}) String kid;
        @Option(names = {"-sub", "--sub"}) String sub;
        @Option(names = {"-iss", "--iss"}) String iss;
        @Option(names = {"-aud", "--aud"}) String aud;
        @Option(names = {"-account", "--account"}) String account = "0";
        @Option(names = {"-project", "--project"}) String project = "0";
        @Option(names = {"-mode", "--mode"}) String mode;
        @Option(names = {"-ttl", "--ttl"}) String ttl = "1h";
        @Option(names = {"-nbf", "--nbf"}) String nbf;
        @Option(names = {"-label", "--label"}) List<String> labels = new ArrayList<>();
        @Option(names = {"-filter", "--filter"}) List<String> filters = new ArrayList<>();
        @Option(names = {"-claim", "--claim"}) List<String> claims = new ArrayList<>();
        @Option(names = {"-noVmAccess", "--noVmAccess"}) boolean noVmAccess;
        @Option(names = {"-metrics", "--metrics"}, arity = "0..1", fallbackValue = "true") boolean metrics = true;
        @Option(names = {"-logs.account", "--logs.account"}) String logsAccount;
        @Option(names = {"-logs.project", "--logs.project"}) String logsProject;
        @Option(names = {"-logs.filter", "--logs.filter"}) List<String> logsFilters = new ArrayList<>();
        @Option(names = {"-logs.streamFilter", "--logs.streamFilter"}) List<String> logsStreamFilters = new ArrayList<>();
        @Option(names = {"-traces.account", "--traces.account"}) String tracesAccount;
        @Option(names = {"-traces.project", "--traces.project"}) String tracesProject;
        @Option(names = {"-traces.filter", "--traces.filter"}) List<String> tracesFilters = new ArrayList<>();
        @Option(names = {"-traces.streamFilter", "--traces.streamFilter"}) List<String> tracesStreamFilters
                = new ArrayList<>();
        @Option(names = {"-h", "--h", "-help", "--help"}, usageHelp = true) boolean help;
    }

    /** The options of {@code tsgate token keygen}. */
    static final class KeygenOptions {
        @Option(names = {"-family", "--family"}) String family = "RSA";
        @Option(names = {"-dir", "--dir"}) String dir = ".";
        @Option(names = {"-name", "--name"}) String name = "tsgate";
        @Option(names = {"-hmac", "--hmac"}) String hmac;
        /** A switch: {@code -force}, {@code -force=true}; {@code -force=false} turns it off. */
        @Option(names = {"-force", "--force"}, arity = "0..1", fallbackValue = "true") boolean force;
        @Option(names = {"-h", "--h", "-help", "--help"}, usageHelp = true) boolean help;
    }

    static long unsigned32(String option, String value) throws ConfigException {
        try {
            long v = Long.parseLong(value);
            if (v < 0 || v > 0xFFFF_FFFFL) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new ConfigException("-" + option + " wants an unsigned 32-bit integer, got \"" + value + "\"");
        }
    }

    /** A {@code -label=name=value} option into {@code labels}. */
    static void putLabel(String value, Map<String, String> labels) throws ConfigException {
        int eq = value.indexOf('=');
        if (eq <= 0) {
            throw new ConfigException("-label wants name=value, got \"" + value + "\"");
        }
        labels.put(value.substring(0, eq), value.substring(eq + 1));
    }
}

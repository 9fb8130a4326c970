package io.tsgate.cli;

import io.tsgate.Gateway;
import io.tsgate.config.ConfigException;
import io.tsgate.policy.Allow;
import io.tsgate.policy.Decision;
import io.tsgate.policy.Deny;
import io.tsgate.request.Backend;
import io.tsgate.request.RequestAttributes;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Option;
import picocli.CommandLine.Unmatched;

/**
 * {@code tsgate check [server flags] -method=GET -path=/api/v1/query?query=up -token=…}: runs the decision core
 * offline with the server's flags and prints what Envoy would be told. Exit 0 allow, 1 deny, 2 usage or config error.
 */
public final class CheckCommand {
    private CheckCommand() {
    }

    public static int run(List<String> args, PrintStream out, PrintStream err) {
        CheckOptions o = new CheckOptions();
        Integer done = SubcommandOptions.parse(o, "tsgate check", args, () -> usage(out), err);
        if (done != null) {
            return done;
        }
        String method = o.method;
        String path = o.path;
        String token = o.token;
        byte[] body = o.body == null ? new byte[0] : o.body.getBytes(StandardCharsets.UTF_8);
        Map<String, String> headers = new HashMap<>();
        for (String value : o.headers) {
            int colon = value.indexOf(':');
            if (colon <= 0) {
                err.println("tsgate check: -header wants Name: value");
                return 2;
            }
            headers.put(value.substring(0, colon).trim().toLowerCase(Locale.ROOT), value.substring(colon + 1).trim());
        }
        if (o.tokenFile != null) {
            try {
                token = Files.readString(o.tokenFile).trim();
            } catch (IOException e) {
                err.println("tsgate check: cannot read -tokenFile: " + e.getMessage());
                return 2;
            }
        }
        List<String> serverFlags = o.serverFlags;
        if (path == null) {
            err.println("tsgate check: -path is required (run tsgate check -help)");
            return 2;
        }
        Decision d;
        Gateway.Components authorizer;
        try {
            authorizer = Gateway.offlineAuthorizer(serverFlags.toArray(String[]::new));
        } catch (ConfigException e) {
            err.println("tsgate check: " + e.getMessage());
            return 2;
        }
        try {
            awaitKeys(authorizer, err);
            if (token != null) {
                headers.put(authorizer.credentialHeader(), "Bearer " + token);
            }
            if (body.length > 0) {
                headers.putIfAbsent("content-length", Integer.toString(body.length));
            }
            // -backend stands for the route's context extension (what Envoy or the forward-auth endpoint would say).
            d = authorizer.authorizer().decide(new RequestAttributes(method, path, headers, body, true, "tsgate-check",
                    o.backend == null ? Map.of() : Map.of(Backend.CONTEXT_KEY, o.backend)));
        } finally {
            try {
                authorizer.resources().close();
            } catch (Exception e) {
                err.println("tsgate check: closing key sources: " + e);
            }
        }
        print(d, out);
        if (token != null) {
            explainRules(serverFlags, token, out);
        }
        return d instanceof Allow ? 0 : 1;
    }

    /** The options of {@code tsgate check}; everything else is a server flag, handed to the server's flag parser. */
    static final class CheckOptions {
        @Option(names = {"-method", "--method"}) String method = "GET";
        @Option(names = {"-path", "--path"}) String path;
        @Option(names = {"-token", "--token"}) String token;
        @Option(names = {"-tokenFile", "--tokenFile"}) Path tokenFile;
        @Option(names = {"-body", "--body"}) String body;
        @Option(names = {"-backend", "--backend"}) String backend;
        @Option(names = {"-header", "--header"}) List<String> headers = new ArrayList<>();
        @Option(names = {"-h", "--h", "-help", "--help"}, usageHelp = true) boolean help;
        @Unmatched List<String> serverFlags = new ArrayList<>();
    }

    private static void print(Decision d, PrintStream out) {
        if (d instanceof Allow a) {
            out.println("decision:       allow");
            out.println("class:          " + a.requestClass().label());
            out.println("tenant:         " + a.tenant());
            out.println("subject:        " + a.access().subject());
            out.println("mode:           " + a.access().mode());
            out.println("extra labels:   " + a.access().extraLabels());
            out.println("extra filters:  " + a.access().extraFilters());
            out.println("forwarded path: " + a.path());
            out.println("removed headers: " + String.join(", ", a.removeHeaders()));
            if (!a.setHeaders().isEmpty()) {
                out.println("set headers:    " + new java.util.TreeMap<>(a.setHeaders()));
            }
        } else if (d instanceof Deny n) {
            out.println("decision: deny");
            out.println("status:   " + n.status());
            out.println("reason:   " + n.reason());
            out.println("message:  " + n.message());
            if (!n.tenant().isEmpty()) {
                out.println("tenant:   " + n.tenant());
            }
        }
    }

    /**
     * With {@code -auth.accessRules}: the token's claims (read without verification, for the explanation only; the
     * decision above verified them) and how each rule compares, most specific first, and which one grants.
     */
    private static void explainRules(List<String> serverFlags, String token, PrintStream out) {
        java.nio.file.Path file;
        boolean rulesFirst;
        try {
            io.tsgate.config.TokenKeysConfig keys = io.tsgate.config.GatewayConfig.from(
                    io.tsgate.config.FlagParser.parse(serverFlags, System.getenv())).tokenKeys();
            file = keys.accessRules();
            rulesFirst = keys.accessRulesFirst();
        } catch (ConfigException e) {
            return;
        }
        if (file == null) {
            return;
        }
        try {
            io.tsgate.auth.AccessRules rules = io.tsgate.auth.AccessRulesFile.parse(Files.readString(file),
                    file.toString());
            String[] parts = token.split("\\.");
            com.fasterxml.jackson.databind.JsonNode claims = io.tsgate.auth.ClaimsParser.readPayload(
                    new com.nimbusds.jose.util.Base64URL(parts.length > 1 ? parts[1] : "").decodeToString());
            out.println("claims:         " + claims);
            out.println("access rules (most specific first):");
            for (String line : rules.explain(claims)) {
                out.println("  " + line);
            }
            try {
                io.tsgate.auth.RuleMatch m = rules.match(claims);
                boolean own = claims.hasNonNull("vm_access");
                out.println("access rule:    " + (m == null ? "none matches" + (own ? "; the token's vm_access applies" : "")
                        : own && !rulesFirst ? m.rule().name() + " matches, unused: the token's vm_access applies"
                        + " (-auth.accessRulesFirst puts rules first)"
                        : m.rule().name() + " grants " + m.grant()));
            } catch (io.tsgate.auth.CredentialRejectedException e) {
                out.println("access rule:    " + e.reason() + ": " + e.getMessage());
            }
        } catch (IOException | IllegalArgumentException | io.tsgate.auth.CredentialRejectedException e) {
            out.println("access rules:   cannot explain (" + e.getMessage() + ")");
        }
    }

    private static void usage(PrintStream out) {
        out.println("Usage: tsgate check [server flags] -path=PATH [-method=GET] [-token=JWT | -tokenFile=FILE]");
        out.println("                    [-header='Name: value']... [-body=TEXT] [-backend=metrics|logs|traces]");
        out.println("Explains the decision tsgate would make for one request, using the same flags as the server");
        out.println("(e.g. -auth.publicKeyFiles, -clusterMode). Exit code: 0 allow, 1 deny, 2 usage or config error.");
    }

    /** JWKS keys load in the background even offline; give them a few seconds so the explanation uses them. */
    private static void awaitKeys(Gateway.Components c, PrintStream err) {
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(10).toNanos();
        String why = c.readiness().get();
        while (why != null && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(50_000_000L);
            why = c.readiness().get();
        }
        if (why != null) {
            err.println("tsgate check: " + why + "; deciding without those keys");
        }
    }
}

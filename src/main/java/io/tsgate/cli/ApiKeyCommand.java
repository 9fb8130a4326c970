package io.tsgate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.tsgate.auth.ApiKeyParser;
import io.tsgate.auth.ApiKeySet;
import io.tsgate.config.ConfigException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * {@code tsgate apikey create NAME [options]} makes a new API key, stores only its SHA-256 with the grant — in the
 * key file ({@code -file}) or the Redis hash ({@code -redisUrl}, {@code -redisKey}) — and prints the key once on
 * stdout. Exit 0 on success, 2 on a usage or validation error, 1 when the store cannot be written.
 */
public final class ApiKeyCommand {
    /** Prefix that makes tsgate keys recognisable to secret scanners. */
    static final String PREFIX = "tsg_";
    private static final ObjectMapper YAML = new YAMLMapper(YAMLFactory.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER).build());
    private static final ObjectMapper JSON = new ObjectMapper();

    private ApiKeyCommand() {
    }

    public static int run(List<String> args, PrintStream out, PrintStream err) {
        return run(args, out, err, new SecureRandom());
    }

    static int run(List<String> args, PrintStream out, PrintStream err, SecureRandom random) {
        if (args.isEmpty() || args.get(0).equals("-help") || args.get(0).equals("--help") || args.get(0).equals("-h")) {
            usage(out);
            return args.isEmpty() ? 2 : 0;
        }
        if (!args.get(0).equals("create") || args.size() < 2 || args.get(1).startsWith("-")) {
            err.println("tsgate apikey: want `tsgate apikey create NAME [options]` (tsgate apikey -help)");
            return 2;
        }
        String name = args.get(1);
        Request r = new Request();
        Integer done = SubcommandOptions.parse(r, "tsgate apikey", args.subList(2, args.size()), () -> usage(out), err);
        if (done != null) {
            return done;
        }
        try {
            r.check(name);
            byte[] raw = new byte[32];
            random.nextBytes(raw);
            String key = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
            ObjectNode entry = r.entry(HexFormat.of().formatHex(ApiKeySet.hash(key)));
            new ApiKeyParser("").parseJson(name, JSON.writeValueAsString(entry));
            String where = r.file != null ? addToFile(r.file, entry) : addToRedis(r, entry);
            out.println(key);
            err.println("tsgate apikey: " + where + ". The key above is shown only now; store it safely.");
            return 0;
        } catch (ConfigException | IllegalArgumentException e) {
            err.println("tsgate apikey: " + e.getMessage());
            return 2;
        } catch (IOException | RuntimeException e) {
            err.println("tsgate apikey: cannot store the entry: " + e.getMessage());
            return 1;
        }
    }

    /** Appends the entry, validating the whole resulting file, and replaces the file atomically. */
    private static String addToFile(Path file, ObjectNode entry) throws IOException {
        ObjectNode root;
        if (Files.exists(file)) {
            JsonNode existing = YAML.readTree(Files.readString(file, StandardCharsets.UTF_8));
            root = existing instanceof ObjectNode o ? o : YAML.createObjectNode();
        } else {
            root = YAML.createObjectNode();
        }
        JsonNode keys = root.get("keys");
        ArrayNode list = keys instanceof ArrayNode a ? a : root.putArray("keys");
        list.add(entry);
        String text = YAML.writeValueAsString(root);
        new ApiKeyParser("").parseFile(text);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return "added " + entry.get("name").textValue() + " to " + file + " (" + list.size() + " keys)";
    }

    private static String addToRedis(Request r, ObjectNode entry) throws IOException {
        RedisClient client = RedisClient.create(r.redisUrl);
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            c.setTimeout(Duration.ofSeconds(5));
            if (!c.sync().hsetnx(r.redisKey, r.name, JSON.writeValueAsString(entry))) {
                throw new IllegalArgumentException("Redis hash " + r.redisKey + " already has a key named " + r.name
                        + "; delete it first (HDEL) or pick another name");
            }
            return "added " + r.name + " to Redis hash " + r.redisKey;
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    /** The options of {@code tsgate apikey create NAME}, checked by {@link #check} once picocli has read them. */
    static final class Request {
        String name;
        @Option(names = {"-file", "--file"}) Path file;
        @Option(names = {"-redisUrl", "--redisUrl"}) String redisUrl;
        @Option(names = {"-redisKey", "--redisKey"}) String redisKey = "tsgate:apikeys";
        @Option(names = {"-account", "--account"}) String accountText = "0";
        @Option(names = {"-project", "--project"}) String projectText = "0";
        @Option(names = {"-mode", "--mode"}) String modeText = "0";
        @Option(names = {"-label", "--label"}) List<String> labelTexts = new ArrayList<>();
        @Option(names = {"-filter", "--filter"}) List<String> filters = new ArrayList<>();
        @Option(names = {"-expires", "--expires"}) String expiresText;
        @Option(names = {"-h", "--h", "-help", "--help"}, usageHelp = true) boolean help;
        long account;
        long project;
        int mode;
        Map<String, String> labels = new LinkedHashMap<>();
        String expires;

        void check(String keyName) throws ConfigException {
            name = keyName;
            account = TokenCommand.unsigned32("account", accountText);
            project = TokenCommand.unsigned32("project", projectText);
            mode = TokenCommand.mode(modeText);
            for (String l : labelTexts) {
                TokenCommand.putLabel(l, labels);
            }
            expires = expiresText == null ? null : expires(expiresText);
            if ((file == null) == (redisUrl == null)) {
                throw new ConfigException("give exactly one of -file=KEYFILE.yaml or -redisUrl=redis://host:port");
            }
        }

        ObjectNode entry(String sha256) {
            ObjectNode e = JSON.createObjectNode();
            e.put("name", name);
            e.put("sha256", sha256);
            ObjectNode tenant = e.putObject("tenant_id");
            tenant.put("account_id", account);
            tenant.put("project_id", project);
            if (!labels.isEmpty()) {
                ObjectNode l = e.putObject("extra_labels");
                labels.forEach(l::put);
            }
            if (!filters.isEmpty()) {
                ArrayNode f = e.putArray("extra_filters");
                filters.forEach(f::add);
            }
            e.put("mode", mode);
            if (expires != null) {
                e.put("expires_at", expires);
            }
            return e;
        }

        private static String expires(String v) throws ConfigException {
            try {
                return OffsetDateTime.parse(v).toInstant().toString();
            } catch (DateTimeParseException e) {
                throw new ConfigException("-expires wants an RFC 3339 time such as 2027-01-31T00:00:00Z, got \"" + v + "\"");
            }
        }
    }

    private static void usage(PrintStream out) {
        out.println("Usage: tsgate apikey create NAME (-file=KEYFILE.yaml | -redisUrl=redis://host:port [-redisKey=tsgate:apikeys])");
        out.println("                            [-account=0] [-project=0] [-mode=full|read|write|readwrite]");
        out.println("                            [-label=name=value]... [-filter={selector}]... [-expires=2027-01-31T00:00:00Z]");
        out.println();
        out.println("Prints a new API key once on stdout and stores only its SHA-256 with the grant: appended to the key");
        out.println("file (rewritten atomically; comments are not kept) or added to the Redis hash (field NAME, JSON value).");
        out.println("tsgate picks the change up within -apikeys.syncInterval. Revoke by deleting the entry (or HDEL).");
    }
}

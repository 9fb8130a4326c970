package io.tsgate.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads flags from the command line ({@code -name=value}, {@code --name=value}, {@code -name value}, bare booleans),
 * then the environment under {@code -envflag.enable}, then the {@code -config} YAML file. The command line wins over
 * the environment, which wins over the file.
 */
public final class FlagParser {
    private static final YAMLFactory YAML = new YAMLFactory();
    private static final ObjectMapper MAPPER = new ObjectMapper(YAML);
    private FlagParser() {
    }

    public static FlagValues parse(List<String> args, Map<String, String> env) throws ConfigException {
        List<String> warnings = new ArrayList<>();
        Map<String, List<String>> cmd = parseCommandLine(args, warnings);
        Map<String, List<String>> merged = new HashMap<>(cmd);
        FlagValues early = new FlagValues(cmd);
        if (early.bool("envflag.enable")) {
            String prefix = early.string("envflag.prefix");
            for (FlagSpec f : FlagCatalogue.FLAGS) {
                String v = env.get(f.envName(prefix));
                if (v != null && !merged.containsKey(f.name())) {
                    merged.put(f.name(), List.of(v));
                }
            }
            // vmgateway's environment too: a refused setting must not pass unseen because it came from there.
            for (VmgatewayFlag v : FlagCatalogue.VMGATEWAY_ONLY) {
                if (env.containsKey(prefix + v.name().replace('.', '_'))) {
                    vmgatewayOnly(v, warnings);
                }
            }
        }
        String configFile = new FlagValues(merged).string("config");
        Map<String, String> origins = new HashMap<>();
        if (!configFile.isEmpty()) {
            Map<String, String> fileOrigins = new HashMap<>();
            Map<String, List<String>> file = readConfigFile(Path.of(configFile), fileOrigins);
            file.forEach((name, v) -> {
                if (merged.putIfAbsent(name, v) == null) {
                    origins.put(name, fileOrigins.get(name));
                }
            });
        }
        return new FlagValues(merged, warnings, origins);
    }

    static Map<String, List<String>> parseCommandLine(List<String> args) throws ConfigException {
        return parseCommandLine(args, new ArrayList<>());
    }

    /** vmgateway's flags that tsgate does not serve: a refused one stops start-up, an ignored one adds a warning. */
    private static void vmgatewayOnly(VmgatewayFlag v, List<String> warnings) throws ConfigException {
        if (v.refused()) {
            throw new ConfigException(v.message());
        }
        if (!warnings.contains(v.message())) {
            warnings.add(v.message());
        }
    }

    static Map<String, List<String>> parseCommandLine(List<String> args, List<String> warnings) throws ConfigException {
        Map<String, List<String>> out = new HashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (!arg.startsWith("-") || arg.equals("-") || arg.equals("--")) {
                throw new ConfigException("unexpected argument \"" + arg + "\"; flags look like -name=value (run tsgate -help)");
            }
            String body = arg.startsWith("--") ? arg.substring(2) : arg.substring(1);
            int eq = body.indexOf('=');
            String name = eq < 0 ? body : body.substring(0, eq);
            FlagSpec spec = FlagCatalogue.find(name);
            VmgatewayFlag vmgateway = FlagCatalogue.findVmgateway(name);
            if (spec == null && vmgateway == null) {
                throw new ConfigException("unknown flag -" + name + " (run tsgate -help for the list)");
            }
            FlagKind kind = spec == null ? vmgateway.kind() : spec.kind();
            String value;
            if (eq >= 0) {
                value = body.substring(eq + 1);
            } else if (kind == FlagKind.BOOL) {
                value = "true";
            } else if (i + 1 < args.size()) {
                value = args.get(++i);
            } else {
                throw new ConfigException("flag -" + name + " needs a value");
            }
            if (vmgateway != null) {
                vmgatewayOnly(vmgateway, warnings);
                continue;
            }
            out.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        }
        return out;
    }

    /**
     * Reads the {@code -config} file as a stream, so that every error — YAML syntax, an unknown or repeated key, a
     * value of the wrong shape — names the file, line and column: {@code -config tsgate.yaml:4:3: unknown key …}.
     */
    static Map<String, List<String>> readConfigFile(Path file, Map<String, String> origins) throws ConfigException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new ConfigException("-config " + file + ": cannot read: " + e);
        }
        Map<String, List<String>> out = new HashMap<>();
        try (JsonParser p = YAML.createParser(bytes)) {
            JsonToken first = p.nextToken();
            if (first == null || first == JsonToken.VALUE_NULL) {
                return out;
            }
            if (first != JsonToken.START_OBJECT) {
                throw new ConfigException(at(file, p.currentTokenLocation()) + "want a YAML mapping of flag names to values");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                JsonLocation where = p.currentTokenLocation();
                String key = p.currentName().replaceFirst("^-+", "");
                FlagSpec spec = FlagCatalogue.find(key);
                if (spec == null || key.equals("config")) {
                    throw new ConfigException(at(file, where) + "unknown key \"" + p.currentName() + "\"");
                }
                if (out.containsKey(key)) {
                    // YAML keeps one of the two silently; which one a reader expects is anyone's guess.
                    throw new ConfigException(at(file, where) + "key \"" + key + "\" is given twice");
                }
                p.nextToken();
                JsonLocation valueAt = p.currentTokenLocation();
                JsonNode value = MAPPER.readTree(p);
                out.put(key, scalarOrList(at(file, valueAt), key, spec, value));
                origins.put(key, file + ":" + valueAt.getLineNr() + ":" + valueAt.getColumnNr());
            }
        } catch (JsonProcessingException e) {
            throw new ConfigException(at(file, e.getLocation()) + problem(e.getOriginalMessage()));
        } catch (IOException e) {
            throw new ConfigException("-config " + file + ": cannot read: " + firstLine(e.getMessage()));
        }
        return out;
    }

    /** SnakeYAML's message without its indented quotes of the input: "while parsing …; expected …, but got …". */
    private static String problem(String message) {
        if (message == null) {
            return "unknown error";
        }
        List<String> lines = new ArrayList<>();
        for (String line : message.split("\n")) {
            if (!line.isBlank() && !line.startsWith(" ") && !line.startsWith("\t")) {
                lines.add(line.strip());
            }
        }
        return lines.isEmpty() ? firstLine(message) : String.join("; ", lines);
    }

    private static String at(Path file, JsonLocation where) {
        if (where == null || where.getLineNr() < 1) {
            return "-config " + file + ": ";
        }
        return "-config " + file + ":" + where.getLineNr() + ":" + where.getColumnNr() + ": ";
    }

    private static List<String> scalarOrList(String at, String key, FlagSpec spec, JsonNode v) throws ConfigException {
        List<String> values = new ArrayList<>();
        if (v.isArray() && spec.kind() == FlagKind.LIST) {
            for (JsonNode item : v) {
                if (!item.isValueNode()) {
                    throw new ConfigException(at + "key \"" + key + "\" wants a list of plain values");
                }
                values.add(item.asText());
            }
        } else if (v.isValueNode() && !v.isNull()) {
            values.add(v.asText());
        } else {
            throw new ConfigException(at + "key \"" + key + "\" wants "
                    + (spec.kind() == FlagKind.LIST ? "a value or a list" : "a single value"));
        }
        return values;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "unknown error";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}

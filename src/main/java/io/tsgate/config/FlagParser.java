package io.tsgate.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Reads flags from the command line ({@code -name=value}, {@code --name=value}, {@code -name value}, bare booleans),
 * then the environment under {@code -envflag.enable}, then the {@code -config} YAML file. The command line wins over
 * the environment, which wins over the file.
 */
public final class FlagParser {
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
        if (!configFile.isEmpty()) {
            Map<String, List<String>> file = readConfigFile(Path.of(configFile));
            file.forEach(merged::putIfAbsent);
        }
        return new FlagValues(merged, warnings);
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

    static Map<String, List<String>> readConfigFile(Path file) throws ConfigException {
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new ConfigException("-config " + file + ": cannot read: " + firstLine(e.getMessage()));
        }
        Map<String, List<String>> out = new HashMap<>();
        if (root == null || root.isMissingNode() || root.isNull()) {
            return out;
        }
        if (!root.isObject()) {
            throw new ConfigException("-config " + file + ": want a YAML mapping of flag names to values");
        }
        Iterator<Map.Entry<String, JsonNode>> it = root.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = e.getKey().replaceFirst("^-+", "");
            FlagSpec spec = FlagCatalogue.find(key);
            if (spec == null || key.equals("config")) {
                throw new ConfigException("-config " + file + ": unknown key \"" + e.getKey() + "\"");
            }
            out.put(key, scalarOrList(file, key, spec, e.getValue()));
        }
        return out;
    }

    private static List<String> scalarOrList(Path file, String key, FlagSpec spec, JsonNode v) throws ConfigException {
        List<String> values = new ArrayList<>();
        if (v.isArray() && spec.kind() == FlagKind.LIST) {
            for (JsonNode item : v) {
                if (!item.isValueNode()) {
                    throw new ConfigException("-config " + file + ": key \"" + key + "\" wants a list of plain values");
                }
                values.add(item.asText());
            }
        } else if (v.isValueNode() && !v.isNull()) {
            values.add(v.asText());
        } else {
            throw new ConfigException("-config " + file + ": key \"" + key + "\" wants "
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

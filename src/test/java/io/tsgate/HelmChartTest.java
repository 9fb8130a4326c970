package io.tsgate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.tsgate.cli.EnvoyConfigCommand;
import io.tsgate.config.FlagCatalogue;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The Helm chart in examples/helm (no helm here): its rendered examples hold what a cluster needs — probes on
 * tsgate's own endpoints, resources, a non-root pod, a PodDisruptionBudget and a ServiceMonitor that select the
 * pods and Service they belong to, flags tsgate knows — and the templates reference only values that exist.
 */
class HelmChartTest {
    private static final Path CHART = Path.of("examples/helm/tsgate");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private static List<JsonNode> rendered(String name) throws Exception {
        List<JsonNode> docs = new ArrayList<>();
        try (var it = YAML.readerFor(JsonNode.class).readValues(Files.readString(Path.of("examples/helm/rendered", name)))) {
            while (it.hasNext()) {
                JsonNode d = (JsonNode) it.next();
                if (d != null && !d.isNull() && !d.isEmpty()) {
                    docs.add(d);
                }
            }
        }
        return docs;
    }

    private static JsonNode kind(List<JsonNode> docs, String kind) {
        return docs.stream().filter(d -> d.path("kind").asText().equals(kind)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind));
    }

    private static List<String> kinds(List<JsonNode> docs) {
        return docs.stream().map(d -> d.path("kind").asText()).toList();
    }

    private static JsonNode container(JsonNode pod, String list, String name) {
        for (JsonNode c : pod.path(list)) {
            if (c.path("name").asText().equals(name)) {
                return c;
            }
        }
        throw new AssertionError("no " + list + " " + name);
    }

    private static Set<String> portNames(JsonNode pod) {
        Set<String> names = new HashSet<>();
        for (String list : List.of("containers", "initContainers")) {
            pod.path(list).forEach(c -> c.path("ports").forEach(p -> names.add(p.path("name").asText())));
        }
        return names;
    }

    /** Probes, resources, flags and security of the tsgate container. */
    private static void checkTsgate(JsonNode c) {
        for (JsonNode arg : c.path("args")) {
            String flag = arg.asText().replaceFirst("^-+", "").replaceFirst("=.*", "");
            assertNotNull(FlagCatalogue.find(flag), "tsgate has no flag -" + flag);
        }
        assertEquals("/health", c.at("/livenessProbe/httpGet/path").asText());
        assertEquals("/ready", c.at("/readinessProbe/httpGet/path").asText());
        assertEquals("/ready", c.at("/startupProbe/httpGet/path").asText());
        assertEquals("http", c.at("/readinessProbe/httpGet/port").asText());
        assertTrue(c.at("/resources/requests/cpu").isTextual() && c.at("/resources/requests/memory").isTextual()
                && c.at("/resources/limits/memory").isTextual(), c.path("resources").toString());
        assertEquals(false, c.at("/securityContext/allowPrivilegeEscalation").asBoolean(true));
        assertEquals(true, c.at("/securityContext/readOnlyRootFilesystem").asBoolean());
        assertEquals("/etc/tsgate/keys", c.at("/volumeMounts/0/mountPath").asText());
    }

    /** PDB, Service and ServiceMonitor select what they should. */
    private static void checkSelectors(List<JsonNode> docs) {
        JsonNode deployment = kind(docs, "Deployment");
        JsonNode podLabels = deployment.at("/spec/template/metadata/labels");
        assertEquals(podLabels, deployment.at("/spec/selector/matchLabels"));
        assertEquals(podLabels, kind(docs, "PodDisruptionBudget").at("/spec/selector/matchLabels"));
        assertTrue(kind(docs, "PodDisruptionBudget").at("/spec/minAvailable").asInt() >= 1);
        assertTrue(deployment.at("/spec/replicas").asInt() > kind(docs, "PodDisruptionBudget").at("/spec/minAvailable").asInt(),
                "a drain can evict one pod");
        JsonNode service = kind(docs, "Service");
        assertEquals(podLabels, service.at("/spec/selector"));
        Set<String> podPorts = portNames(deployment.at("/spec/template/spec"));
        Set<String> servicePorts = new HashSet<>();
        service.at("/spec/ports").forEach(p -> {
            assertTrue(podPorts.contains(p.path("targetPort").asText()), "Service targets " + p);
            servicePorts.add(p.path("name").asText());
        });
        JsonNode monitor = kind(docs, "ServiceMonitor");
        JsonNode monitorSelector = monitor.at("/spec/selector/matchLabels");
        monitorSelector.fields().forEachRemaining(e ->
                assertEquals(e.getValue(), service.at("/metadata/labels").path(e.getKey()), "ServiceMonitor selects the Service"));
        assertTrue(servicePorts.contains(monitor.at("/spec/endpoints/0/port").asText()));
        assertEquals("/metrics", monitor.at("/spec/endpoints/0/path").asText());
        JsonNode pod = deployment.at("/spec/template/spec");
        assertTrue(pod.at("/securityContext/runAsNonRoot").asBoolean());
        assertTrue(pod.at("/securityContext/runAsUser").asInt() > 0);
    }

    @Test
    void standaloneServesGrpcAndHttpFromItsOwnPods() throws Exception {
        List<JsonNode> docs = rendered("standalone.yaml");
        assertEquals(List.of("PodDisruptionBudget", "Service", "Deployment", "ServiceMonitor"), kinds(docs));
        JsonNode pod = kind(docs, "Deployment").at("/spec/template/spec");
        JsonNode tsgate = container(pod, "containers", "tsgate");
        checkTsgate(tsgate);
        assertTrue(tsgate.path("args").toString().contains("\"-grpcListenAddr=:9191\""));
        checkSelectors(docs);
    }

    @Test
    void sidecarPutsEnvoyInFrontAndTsgateOnLoopback() throws Exception {
        List<JsonNode> docs = rendered("sidecar.yaml");
        assertEquals(List.of("PodDisruptionBudget", "ConfigMap", "Service", "Deployment", "ServiceMonitor"), kinds(docs));
        JsonNode pod = kind(docs, "Deployment").at("/spec/template/spec");
        JsonNode tsgate = container(pod, "initContainers", "tsgate");
        checkTsgate(tsgate);
        assertEquals("Always", tsgate.path("restartPolicy").asText(), "a native sidecar");
        assertTrue(tsgate.path("args").toString().contains("\"-grpcListenAddr=127.0.0.1:9191\""), "loopback only");
        JsonNode envoy = container(pod, "containers", "envoy");
        assertEquals("envoy-config", envoy.at("/volumeMounts/0/name").asText());
        JsonNode configMap = kind(docs, "ConfigMap");
        pod.path("volumes").forEach(v -> {
            if (v.path("name").asText().equals("envoy-config")) {
                assertEquals(configMap.at("/metadata/name").asText(), v.at("/configMap/name").asText());
            }
        });
        String envoyYaml = Files.readString(Path.of("examples/helm/envoy.yaml"));
        assertEquals(envoyYaml.strip(), configMap.at("/data/envoy.yaml").asText().strip());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertEquals(0, EnvoyConfigCommand.run(List.of("-tsgate.grpcAddr=127.0.0.1:9191",
                "-read.url=http://victoriametrics:8428"), new PrintStream(out, true, StandardCharsets.UTF_8), System.err));
        assertEquals(out.toString(StandardCharsets.UTF_8), envoyYaml, "examples/helm/envoy.yaml is stale; regenerate: "
                + "java -jar target/tsgate.jar envoy-config -tsgate.grpcAddr=127.0.0.1:9191 "
                + "-read.url=http://victoriametrics:8428 > examples/helm/envoy.yaml");
        assertEquals("envoy", kind(docs, "Service").at("/spec/ports/0/targetPort").asText(), "clients reach Envoy");
        checkSelectors(docs);
    }

    @Test
    void templatesUseOnlyValuesThatExistAndEveryTemplateIsRendered() throws Exception {
        JsonNode values = YAML.readTree(CHART.resolve("values.yaml").toFile());
        Pattern ref = Pattern.compile("\\.Values((?:\\.[A-Za-z][A-Za-z0-9]*)+)");
        String renderedText = Files.readString(Path.of("examples/helm/rendered/standalone.yaml"))
                + Files.readString(Path.of("examples/helm/rendered/sidecar.yaml"));
        try (Stream<Path> files = Files.list(CHART.resolve("templates"))) {
            for (Path t : files.toList()) {
                String text = Files.readString(t);
                Matcher m = ref.matcher(text);
                while (m.find()) {
                    String pointer = m.group(1).replace('.', '/');
                    assertTrue(!values.at(pointer).isMissingNode(), t.getFileName() + " uses .Values" + m.group(1));
                }
                if (t.getFileName().toString().endsWith(".yaml")) {
                    assertTrue(renderedText.contains("# Source: tsgate/templates/" + t.getFileName()),
                            t.getFileName() + " has a rendered example");
                }
            }
        }
        JsonNode chart = YAML.readTree(CHART.resolve("Chart.yaml").toFile());
        assertEquals("v2", chart.path("apiVersion").asText());
        String pom = Files.readString(Path.of("pom.xml"));
        Matcher v = Pattern.compile("<artifactId>tsgate</artifactId>\\s*<version>([^<-]+)").matcher(pom);
        assertTrue(v.find());
        assertEquals(v.group(1), chart.path("appVersion").asText(), "the chart's appVersion is the pom's version");
        assertTrue(renderedText.contains("image: \"tsgate:" + v.group(1) + "\""));
    }
}

package io.tsgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Pins the VictoriaMetrics 1.79.5 behaviours tsgate's design depends on, against the real binary. */
@ExtendWith(ExternalServers.class)
class VictoriaMetricsServerIT {

    @Test
    void flushMakesWrittenSeriesVisible(VictoriaMetricsServer vm) {
        vm.importPrometheus("harness_flush_probe{job=\"a\"} 1\n");
        List<Map<String, String>> series = vm.querySeries("harness_flush_probe");
        assertEquals(List.of(Map.of("__name__", "harness_flush_probe", "job", "a")), series);
        assertEquals(1, vm.awaitExported("harness_flush_probe", 1).size());
    }

    /** tsgate's write confinement relies on this: the token's extra_label wins over the client's own label. */
    @Test
    void extraLabelOnImportOverridesTheSameLabelInTheBody(VictoriaMetricsServer vm) {
        var http = java.net.http.HttpClient.newHttpClient();
        try {
            HttpResponse<String> write = http.send(java.net.http.HttpRequest.newBuilder(
                            vm.baseUri().resolve("/api/v1/import/prometheus?extra_label=team=dev"))
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                            "harness_dup_label{team=\"prod\",x=\"1\"} 1\n")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(204, write.statusCode(), write.body());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        vm.flush();
        assertEquals(List.of(Map.of("__name__", "harness_dup_label", "team", "dev", "x", "1")),
                vm.querySeries("harness_dup_label"));
    }

    @Test
    void deleteAllEmptiesTheDatabase(VictoriaMetricsServer vm) {
        vm.importPrometheus("harness_delete_probe 1\n");
        List<JsonNode> before = vm.awaitExported("harness_delete_probe", 1);
        assertEquals(1, before.size());
        vm.deleteAll();
        assertEquals(List.of(), vm.querySeries("{__name__=~\".+\"}"));
        assertEquals(List.of(), vm.export("harness_delete_probe"));
    }
}

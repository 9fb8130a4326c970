package io.tsgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The VictoriaLogs stand-in reads tenants and arguments the way its class comment says VictoriaLogs does. */
class VictoriaLogsStandInTest {
    private final HttpClient client = HttpClient.newHttpClient();

    @Test
    void readsTheFirstTenantHeaderAndEveryFilterArgumentWithTheBodyFirst() throws Exception {
        try (VictoriaLogsStandIn vl = VictoriaLogsStandIn.start()) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(vl.baseUri()
                            + "/select/logsql/query?query=b&extra_filters=x%3Ay&extra_filters=z"))
                    .header("AccountID", "7").header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString("query=a&extra_filters=w")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            assertEquals("{\"tenant\":\"7:0\",\"query\":\"a\",\"extra_filters\":[\"w\",\"x:y\",\"z\"],"
                    + "\"extra_stream_filters\":[]}", r.body());
            HttpResponse<String> bad = client.send(HttpRequest.newBuilder(URI.create(vl.baseUri()
                    + "/select/logsql/query")).header("ProjectID", "-1").build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(400, bad.statusCode());
            assertEquals(List.of("-1"), vl.last().header("ProjectID"));
        }
    }

    @Test
    void tenantIdsAreUnsigned32Bit() {
        assertEquals(0, VictoriaLogsStandIn.id(""));
        assertEquals(4294967295L, VictoriaLogsStandIn.id("4294967295"));
        assertThrows(NumberFormatException.class, () -> VictoriaLogsStandIn.id("4294967296"));
        assertThrows(NumberFormatException.class, () -> VictoriaLogsStandIn.id("+1"));
        assertThrows(NumberFormatException.class, () -> VictoriaLogsStandIn.id(" 1"));
    }
}

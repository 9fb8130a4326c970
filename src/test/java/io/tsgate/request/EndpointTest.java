package io.tsgate.request;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class EndpointTest {

    @Test
    void clusterPathPutsTenantIntoPrefix() {
        Endpoint e = new Endpoint("/api/v1/query", RequestClass.READ, true, "/select/{tenant}/prometheus");
        assertEquals("/select/1:5/prometheus/api/v1/query", e.clusterPath(new Tenant(1, 5)));
        assertEquals("/select/4294967295:0/prometheus/api/v1/query", e.clusterPath(new Tenant(Tenant.MAX_ID, 0)));
    }

    @Test
    void endpointWithoutClusterRouteHasNoClusterPath() {
        Endpoint e = new Endpoint("/snapshot/create", RequestClass.ADMIN, false, null);
        assertNull(e.clusterPath(new Tenant(1, 5)));
    }

    @Test
    void clusterPrefixWithoutTenantIsRejected() {
        assertThrows(IllegalArgumentException.class,
                () -> new Endpoint("/api/v1/query", RequestClass.READ, true, "/select/0/prometheus"));
    }

    @Test
    void aWriteNamesItsBodyFormatAndNothingElseDoes() {
        assertThrows(IllegalArgumentException.class,
                () -> new Endpoint("/api/v1/write", RequestClass.WRITE, true, "/insert/{tenant}/prometheus"));
        assertThrows(IllegalArgumentException.class,
                () -> new Endpoint("/api/v1/query", RequestClass.READ, true, null, WriteFormat.CSV));
        assertEquals(WriteFormat.PROMETHEUS_TEXT, EndpointCatalogue.classify("POST", "/api/v1/import/prometheus").writeFormat());
        assertNull(EndpointCatalogue.classify("GET", "/api/v1/query").writeFormat());
    }
}

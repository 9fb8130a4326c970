package io.tsgate.request;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Guards over the whole route table, so a route added later cannot skip the rules the table tests spell out. */
class VmRoutesTest {

    private static final List<String> ALL_METHODS =
            List.of("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT");

    static Stream<Map.Entry<String, VmRoutes.Route>> everyAlias() {
        return Stream.of(VmRoutes.INSERT_ROUTES, VmRoutes.SELECT_ROUTES, VmRoutes.STORAGE_ROUTES)
                .flatMap(m -> m.entrySet().stream());
    }

    @ParameterizedTest
    @MethodSource("everyAlias")
    void everyAliasClassifiesToItsRouteForExactlyItsMethods(Map.Entry<String, VmRoutes.Route> alias) {
        for (String method : ALL_METHODS) {
            Endpoint e = EndpointCatalogue.classify(method, alias.getKey());
            if (alias.getValue().methods().contains(method)) {
                assertEquals(alias.getValue().endpoint(), e, method + " " + alias.getKey());
            } else {
                assertNull(e, method + " " + alias.getKey());
            }
        }
    }

    @ParameterizedTest
    @MethodSource("everyAlias")
    void clusterRouteMatchesTheComponentThatServesTheClass(Map.Entry<String, VmRoutes.Route> alias) {
        Endpoint e = alias.getValue().endpoint();
        String cluster = e.clusterPath(new Tenant(7, 0));
        if (cluster == null) {
            assertEquals(RequestClass.ADMIN, e.requestClass(), "only admin endpoints may lack a cluster route");
            return;
        }
        assertTrue(cluster.endsWith(e.path()), cluster);
        switch (e.requestClass()) {
            case READ -> assertTrue(cluster.startsWith("/select/7:0/"), cluster);
            // Graphite tag registration is a write served by vmselect.
            case WRITE -> assertTrue(cluster.startsWith("/insert/7:0/")
                    || cluster.startsWith("/select/7:0/graphite/tags/tag"), cluster);
            case ADMIN -> assertTrue(cluster.startsWith("/delete/7:0/")
                    || cluster.equals("/select/7:0/graphite/tags/delSeries"), cluster);
            default -> throw new AssertionError(e);
        }
    }

    @Test
    void storageRoutesAreAdminWithoutClusterRoute() {
        VmRoutes.STORAGE_ROUTES.values().forEach(r -> {
            assertEquals(RequestClass.ADMIN, r.endpoint().requestClass());
            assertNull(r.endpoint().clusterPrefix());
        });
    }

    @Test
    void onlyDataAndPrometheusReadsAreConfinable() {
        everyAlias().map(a -> a.getValue().endpoint()).filter(Endpoint::confinable).forEach(e -> assertTrue(
                e.requestClass() == RequestClass.WRITE || List.of("/api/v1/query", "/api/v1/query_range",
                        "/api/v1/series", "/api/v1/labels", "/api/v1/export", "/api/v1/export/csv",
                        "/api/v1/export/native", "/federate").contains(e.path()), e.toString()));
    }

    @Test
    void tablesAreReadOnly() {
        VmRoutes.Route any = VmRoutes.SELECT_ROUTES.values().iterator().next();
        org.junit.jupiter.api.Assertions.assertThrows(UnsupportedOperationException.class,
                () -> VmRoutes.SELECT_ROUTES.put("/x", any));
    }
}

package io.tsgate.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.tsgate.auth.Access;
import io.tsgate.auth.BearerTokenAuthenticator;
import io.tsgate.auth.Mode;
import io.tsgate.request.RequestAttributes;
import io.tsgate.request.RequestClass;
import io.tsgate.request.Tenant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * vmgateway's mode bitmask against every request class, through the decision core: each of modes 0–3 against read,
 * write and admin endpoints (several of each, with and without the {@code /prometheus} prefix), single-node and
 * cluster. The expected column is written out here, not derived from {@link Mode#allows}.
 */
class ModeClassMatrixTest {

    /** {@code clusterRoute}: false for single-node storage calls, which cluster mode refuses after the mode check. */
    private record Call(String method, String path, RequestClass cls, boolean clusterRoute) {
        Call(String method, String path, RequestClass cls) {
            this(method, path, cls, true);
        }
    }

    private static final List<Call> CALLS = List.of(
            new Call("GET", "/api/v1/query?query=up", RequestClass.READ),
            new Call("POST", "/api/v1/query_range", RequestClass.READ),
            new Call("GET", "/api/v1/export?match[]=up", RequestClass.READ),
            new Call("GET", "/prometheus/api/v1/labels", RequestClass.READ),
            new Call("POST", "/api/v1/write", RequestClass.WRITE),
            new Call("POST", "/api/v1/import/prometheus", RequestClass.WRITE),
            new Call("POST", "/prometheus/api/v1/import", RequestClass.WRITE),
            new Call("POST", "/influx/write", RequestClass.WRITE),
            new Call("POST", "/api/v1/admin/tsdb/delete_series?match[]=up", RequestClass.ADMIN),
            new Call("GET", "/prometheus/api/v1/admin/tsdb/delete_series?match[]=up", RequestClass.ADMIN),
            new Call("POST", "/internal/resetRollupResultCache", RequestClass.ADMIN, false),
            new Call("GET", "/internal/force_merge", RequestClass.ADMIN, false),
            new Call("POST", "/snapshot/create", RequestClass.ADMIN, false));

    /** Mode number → the classes it allows, as vmgateway documents the bitmask (0 full, 1 read, 2 write, 3 both). */
    private static final Map<Integer, List<RequestClass>> ALLOWED = Map.of(
            0, List.of(RequestClass.READ, RequestClass.WRITE, RequestClass.ADMIN),
            1, List.of(RequestClass.READ),
            2, List.of(RequestClass.WRITE),
            3, List.of(RequestClass.READ, RequestClass.WRITE));

    static Stream<Arguments> matrix() {
        List<Arguments> out = new ArrayList<>();
        for (int mode = 0; mode <= 3; mode++) {
            for (Call c : CALLS) {
                for (boolean cluster : new boolean[] {false, true}) {
                    out.add(Arguments.of(mode, c.method(), c.path(), c.cls(), cluster, c.clusterRoute()));
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "mode {0} {1} {2} cluster={4}")
    @MethodSource("matrix")
    void modeDecidesEachRequestClass(int modeBits, String method, String path, RequestClass cls, boolean cluster,
                                     boolean clusterRoute) {
        Mode mode = Mode.of(modeBits);
        Access access = new Access(new Tenant(3, 4), List.of(), List.of(), mode, "m" + modeBits, "k", null);
        RequestAuthorizer authorizer = new RequestAuthorizer(
                new BearerTokenAuthenticator("Authorization", token -> access), cluster);
        Decision d = authorizer.decide(new RequestAttributes(method, path,
                Map.of("authorization", "Bearer t"), new byte[0], true, "10.0.0.1"));
        if (ALLOWED.get(modeBits).contains(cls) && cluster && !clusterRoute) {
            assertEquals("no_cluster_route", assertInstanceOf(Deny.class, d).reason(), d::toString);
        } else if (ALLOWED.get(modeBits).contains(cls)) {
            Allow a = assertInstanceOf(Allow.class, d, () -> "mode " + modeBits + " " + method + " " + path + ": " + d);
            assertEquals(cls, a.requestClass());
        } else {
            Deny deny = assertInstanceOf(Deny.class, d, () -> "mode " + modeBits + " " + method + " " + path
                    + " must be refused, got " + d);
            assertEquals(403, deny.status());
            assertEquals("mode_forbids_" + cls.label(), deny.reason());
            assertEquals("3:4", deny.tenant());
        }
    }
}

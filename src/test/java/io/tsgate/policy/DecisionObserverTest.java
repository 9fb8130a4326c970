package io.tsgate.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tsgate.auth.Access;
import io.tsgate.auth.Mode;
import io.tsgate.request.Tenant;
import io.tsgate.request.RequestAttributes;
import io.tsgate.request.RequestClass;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** What an operator reads from decisions: counts by adapter, class, decision and reason, latency, client address. */
class DecisionObserverTest {
    private static final RequestAttributes REQUEST = request(Map.of(), "10.0.0.9");
    private final PrometheusRegistry registry = new PrometheusRegistry();

    private static RequestAttributes request(Map<String, String> headers, String peer) {
        return new RequestAttributes("GET", "/api/v1/query?query=up", headers, null, true, peer);
    }

    private static Allow allow(RequestClass c) {
        Access access = new Access(new Tenant(1, 2), List.of(), List.of(), Mode.READ_WRITE, "alice", "k", null);
        return new Allow("/api/v1/query", access, c, List.of());
    }

    private String scrape() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, registry.scrape());
        return out.toString(StandardCharsets.UTF_8);
    }

    private double sample(String name, String labels) throws Exception {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name + "{" + labels + "}") + " (\\S+)$").matcher(scrape());
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }

    private double decisions(String adapter, String cls, String decision, String reason) throws Exception {
        return sample("tsgate_decisions_total", "adapter=\"" + adapter + "\",class=\"" + cls + "\",decision=\""
                + decision + "\",reason=\"" + reason + "\"");
    }

    @Test
    void allowsAreCountedByAdapterAndClass() throws Exception {
        DecisionObserver o = new DecisionObserver(registry, 0, true);
        o.record("ext_authz", REQUEST, allow(RequestClass.READ), System.nanoTime());
        o.record("ext_authz", REQUEST, allow(RequestClass.WRITE), System.nanoTime());
        o.record("ext_authz", REQUEST, allow(RequestClass.WRITE), System.nanoTime());
        o.record("forward_auth", REQUEST, allow(RequestClass.ADMIN), System.nanoTime());
        assertEquals(1, decisions("ext_authz", "read", "allow", "ok"));
        assertEquals(2, decisions("ext_authz", "write", "allow", "ok"));
        assertEquals(0, decisions("ext_authz", "admin", "allow", "ok"), "every class's sample exists from the start");
        assertEquals(1, decisions("forward_auth", "admin", "allow", "ok"));
        assertEquals(0, decisions("forward_auth", "read", "allow", "ok"));
        assertEquals(3, sample("tsgate_decision_duration_seconds_count", "adapter=\"ext_authz\""));
        assertEquals(1, sample("tsgate_decision_duration_seconds_count", "adapter=\"forward_auth\""));
    }

    @Test
    void deniesAreCountedByReason() throws Exception {
        DecisionObserver o = new DecisionObserver(registry, 0, false);
        o.record("ext_authz", REQUEST, Deny.of(401, "missing_credential", "no token"), System.nanoTime());
        o.record("ext_authz", REQUEST, Deny.of(401, "missing_credential", "no token"), System.nanoTime());
        o.record("ext_authz", REQUEST, Deny.of(403, "unknown_endpoint", "no"), System.nanoTime());
        assertEquals(2, decisions("ext_authz", "none", "deny", "missing_credential"));
        assertEquals(1, decisions("ext_authz", "none", "deny", "unknown_endpoint"));
        assertEquals(0, decisions("ext_authz", "read", "allow", "ok"));
        assertEquals(3, sample("tsgate_decision_duration_seconds_count", "adapter=\"ext_authz\""));
        o.record("ext_authz", REQUEST, Deny.of(429, "limit_queries", "over").withClass(RequestClass.READ), System.nanoTime());
        assertEquals(1, decisions("ext_authz", "read", "deny", "limit_queries"), "a denial that knows its class says it");
        assertEquals(Double.NaN, decisions("ext_authz", "none", "deny", "limit_queries"));
    }

    /** The time from the caller's start to now, in seconds: a decision that began two seconds ago took two seconds. */
    @Test
    void latencyIsTheTimeSinceTheGivenStart() throws Exception {
        DecisionObserver o = new DecisionObserver(registry, 0, false);
        o.record("ext_authz", REQUEST, allow(RequestClass.READ), System.nanoTime() - 2_000_000_000L);
        double sum = sample("tsgate_decision_duration_seconds_sum", "adapter=\"ext_authz\"");
        assertTrue(sum >= 2 && sum < 60, "sum " + sum);
        assertEquals(0, sample("tsgate_decision_duration_seconds_bucket", "adapter=\"ext_authz\",le=\"0.05\""));
        assertEquals(1, sample("tsgate_decision_duration_seconds_bucket", "adapter=\"ext_authz\",le=\"+Inf\""));
    }

    /** -http.trustedProxyHops=N takes the N-th X-Forwarded-For entry from the right; too few entries or none: the peer. */
    @Test
    void clientAddressFollowsTrustedProxyHops() {
        RequestAttributes forwarded = request(Map.of("x-forwarded-for", "1.1.1.1, 2.2.2.2 ,3.3.3.3"), "10.0.0.9");
        assertEquals("10.0.0.9", new DecisionObserver(registry, 0, false).clientAddress(forwarded));
        assertEquals("3.3.3.3", new DecisionObserver(new PrometheusRegistry(), 1, false).clientAddress(forwarded));
        assertEquals("2.2.2.2", new DecisionObserver(new PrometheusRegistry(), 2, false).clientAddress(forwarded));
        assertEquals("1.1.1.1", new DecisionObserver(new PrometheusRegistry(), 3, false).clientAddress(forwarded));
        assertEquals("10.0.0.9", new DecisionObserver(new PrometheusRegistry(), 4, false).clientAddress(forwarded));
        assertEquals("10.0.0.9", new DecisionObserver(new PrometheusRegistry(), 1, false).clientAddress(REQUEST));
    }
}

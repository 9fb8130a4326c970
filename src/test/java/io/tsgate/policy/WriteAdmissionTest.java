package io.tsgate.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tsgate.auth.Access;
import io.tsgate.auth.Mode;
import io.tsgate.ingest.WriteCount;
import io.tsgate.limits.LimitVerdict;
import io.tsgate.limits.Limiter;
import io.tsgate.request.RequestAttributes;
import io.tsgate.request.RequestClass;
import io.tsgate.request.Tenant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The one write decision: which writes need their body counted, and what happens where it cannot be. */
class WriteAdmissionTest {
    private static final Tenant LIMITED = new Tenant(1, 0);
    private static final Tenant FREE = new Tenant(2, 0);

    /** Write limits for {@link #LIMITED} only; {@code admit} answers what the test hands it. */
    private static Limiter limits(Supplier<CompletionStage<LimitVerdict>> admit) {
        return new Limiter() {
            @Override
            public CompletionStage<LimitVerdict> acquireQuery(Tenant tenant) {
                return CompletableFuture.completedFuture(LimitVerdict.UNLIMITED);
            }

            @Override
            public CompletionStage<LimitVerdict> admitWrite(Tenant tenant, long rows, long[] seriesHashes) {
                return admit.get();
            }

            @Override
            public boolean countsWrites(Tenant tenant) {
                return tenant.equals(LIMITED);
            }
        };
    }

    private static final Limiter LIMITS = limits(() -> CompletableFuture.completedFuture(LimitVerdict.UNLIMITED));

    private static Decision decide(String tenant, String method, String path, BodyCounting counting, boolean deny) {
        Tenant t = tenant.equals("limited") ? LIMITED : FREE;
        RequestAuthorizer authorizer = new RequestAuthorizer(new io.tsgate.auth.Authenticator() {
            @Override
            public Access authenticate(RequestAttributes r) {
                return new Access(t, List.of(), List.of(), Mode.FULL, "sub", "", null);
            }

            @Override
            public String credentialHeader() {
                return "authorization";
            }
        }, false, LIMITS, new WriteAdmission(LIMITS, deny, 1024));
        return authorizer.decideLimited(new RequestAttributes(method, path, Map.of(), null, true, ""), counting)
                .toCompletableFuture().join();
    }

    /** tenant, method, path, what counts the body, -ratelimit.uncountableWrites, the expected reason ("ok": allowed). */
    @ParameterizedTest
    @CsvSource({
        "limited, POST, /api/v1/write,             NONE,     deny,  write_not_countable",
        "limited, POST, /api/v1/write,             NONE,     allow, ok",
        "limited, POST, /api/v1/write,             EXT_PROC, deny,  ok",
        "limited, POST, /influx/write,             NONE,     deny,  write_not_countable",
        "limited, POST, /api/v1/import/native,     EXT_PROC, deny,  write_format_uncountable",
        "limited, POST, /api/v1/import/native,     NONE,     deny,  write_format_uncountable",
        "limited, POST, /api/v1/import/native,     NONE,     allow, ok",
        "limited, POST, /datadog/api/v1/validate,  NONE,     deny,  ok",
        "free,    POST, /api/v1/write,             NONE,     deny,  ok",
        "free,    POST, /api/v1/import/native,     NONE,     deny,  ok",
        "limited, GET,  /api/v1/query,             NONE,     deny,  ok",
    })
    void atAuthorization(String tenant, String method, String path, BodyCounting counting, String flag, String want) {
        Decision d = decide(tenant, method, path, counting, flag.equals("deny"));
        if (want.equals("ok")) {
            assertInstanceOf(Allow.class, d, d.toString());
            return;
        }
        Deny n = assertInstanceOf(Deny.class, d);
        assertEquals(want, n.reason());
        assertEquals(403, n.status());
        assertEquals(RequestClass.WRITE, n.requestClass());
        assertEquals(LIMITED.toString(), n.tenant());
        assertTrue(n.message().contains("-ratelimit.uncountableWrites"), n.message());
    }

    private static WriteRequest write(Tenant t, String path, String query) {
        return new WriteRequest(t, "sub", path, query, null, 0, false);
    }

    @Test
    void planAtExtProcFollowsTheSameRules() {
        WriteAdmission w = new WriteAdmission(LIMITS, true, 1024);
        assertEquals("not_write", assertInstanceOf(WritePlan.Pass.class,
                w.plan(write(LIMITED, "/datadog/api/v1/validate", ""))).reason());
        assertEquals("no_write_limits", assertInstanceOf(WritePlan.Pass.class,
                w.plan(write(FREE, "/api/v1/write", ""))).reason());
        assertEquals("write_format_uncountable", assertInstanceOf(WritePlan.Refuse.class,
                w.plan(write(LIMITED, "/api/v1/import/native", ""))).deny().reason());
        assertEquals("uncountable_allowed", assertInstanceOf(WritePlan.Pass.class, new WriteAdmission(LIMITS, false, 1024)
                .plan(write(LIMITED, "/api/v1/import/native", ""))).reason());
        WritePlan.Count c = assertInstanceOf(WritePlan.Count.class, w.plan(write(LIMITED, "/api/v1/write", "")));
        assertTrue(c.charged());
        WritePlan.Count confined = assertInstanceOf(WritePlan.Count.class,
                w.plan(write(FREE, "/api/v1/import/prometheus", "extra_label=team=dev")));
        assertEquals(false, confined.charged(), "read for confinement, never charged");
        assertEquals("write_query_malformed", assertInstanceOf(WritePlan.Refuse.class,
                w.plan(write(LIMITED, "/api/v1/write", "extra_label=nolabel"))).deny().reason());
        assertEquals("write_encoding_unsupported", assertInstanceOf(WritePlan.Refuse.class,
                w.plan(new WriteRequest(LIMITED, "sub", "/api/v1/write", "", "gzip", 2, false))).deny().reason());
        assertEquals("empty_body", assertInstanceOf(WritePlan.Pass.class,
                w.plan(new WriteRequest(LIMITED, "sub", "/api/v1/write", "", null, 0, true))).reason());
    }

    /**
     * A write the token confines (extra_label on the authorized path) in a format tsgate cannot read: VictoriaMetrics
     * 1.79.5 adds extra_label after the series' own labels and keeps only the first 30 (datadog and native
     * {@code insertRows} at v1.79.5), so a Datadog series with 28 tags, one of them {@code team:b}, is stored with
     * {@code team="b"} although the path says {@code extra_label=team=a} (checked against /usr/bin/victoria-metrics
     * 1.79.5). ext_proc cannot read such a body for the 30-label rule, so it must not pass it, whether or not the
     * tenant has write limits.
     */
    @ParameterizedTest
    @CsvSource({
        "free,    deny,  /datadog/api/v1/series",
        "free,    deny,  /api/v1/import/native",
        "free,    deny,  /opentelemetry/v1/metrics",
        "limited, allow, /datadog/api/v1/series",
        "limited, allow, /api/v1/import/native",
    })
    void aConfinedWriteTsgateCannotReadIsNotPassed(String tenant, String flag, String path) {
        WriteAdmission w = new WriteAdmission(LIMITS, flag.equals("deny"), 1024);
        Tenant t = tenant.equals("limited") ? LIMITED : FREE;
        WritePlan plan = w.plan(write(t, path, "extra_label=team=a"));
        WritePlan.Refuse r = assertInstanceOf(WritePlan.Refuse.class, plan, plan.toString());
        assertEquals(403, r.deny().status());
        assertEquals("write_format_unconfinable", r.deny().reason());
        assertEquals(RequestClass.WRITE, r.deny().requestClass());
        // Without confinement nothing changes: no limits, nothing to read.
        assertInstanceOf(WritePlan.Pass.class, new WriteAdmission(LIMITS, false, 1024).plan(write(t, path, "")));
    }

    @Test
    void bodyBoundsAreInclusive() {
        WriteAdmission w = new WriteAdmission(LIMITS, true, 1024);
        WritePlan.Count c = (WritePlan.Count) w.plan(write(LIMITED, "/api/v1/write", ""));
        assertNull(w.checkBody(c, 1024, false));
        Deny big = w.checkBody(c, 1025, false);
        assertEquals(413, big.status());
        assertEquals("write_body_too_large", big.reason());
        assertEquals("write_body_streamed", w.checkBody(c, 10, true).reason());
    }

    /** A limiter that fails, by its stage or by throwing, refuses the write with the read path's 429. */
    @Test
    void aFailedLimiterIsDecidedInTheCore() {
        RuntimeException down = new IllegalStateException("redis down");
        for (Supplier<CompletionStage<LimitVerdict>> failing : List.<Supplier<CompletionStage<LimitVerdict>>>of(
                () -> CompletableFuture.failedFuture(down), () -> {
                    throw down;
                })) {
            WriteAdmission w = new WriteAdmission(limits(failing), true, 1024);
            WritePlan.Count c = (WritePlan.Count) w.plan(write(LIMITED, "/api/v1/write", ""));
            Deny d = w.admit(c, new WriteCount(3, new long[] {1, 2}, 10)).toCompletableFuture().join();
            assertEquals(429, d.status());
            assertEquals("limit_backend_unavailable", d.reason());
            assertEquals(RequestClass.WRITE, d.requestClass());
            assertEquals(LIMITED.toString(), d.tenant());
        }
    }

    @Test
    void overALimitIsA429NamingTheWrite() {
        WriteAdmission w = new WriteAdmission(limits(() -> CompletableFuture.completedFuture(
                new LimitVerdict(false, "rows_inserted", 2, 2, 42))), true, 1024);
        WritePlan.Count c = (WritePlan.Count) w.plan(write(LIMITED, "/api/v1/write", ""));
        Deny d = w.admit(c, new WriteCount(3, new long[] {1}, 10)).toCompletableFuture().join();
        assertEquals("limit_rows_inserted", d.reason());
        assertTrue(d.message().startsWith("a write of 3 rows and 1 series to tenant 1:0: "), d.message());
        assertEquals("42", d.headers().get("retry-after"));
    }

    @Test
    void anUnchargedBodyIsNotAskedAbout() {
        WriteAdmission w = new WriteAdmission(limits(() -> {
            throw new AssertionError("not charged");
        }), true, 1024);
        WritePlan.Count c = (WritePlan.Count) w.plan(write(FREE, "/api/v1/import/prometheus", "extra_label=a=b"));
        assertNull(w.admit(c, new WriteCount(3, new long[] {1}, 10)).toCompletableFuture().join());
    }
}

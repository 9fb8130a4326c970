package io.tsgate.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tsgate.auth.Access;
import io.tsgate.auth.BearerTokenAuthenticator;
import io.tsgate.auth.CredentialRejectedException;
import io.tsgate.auth.Mode;
import io.tsgate.limits.LimitVerdict;
import io.tsgate.limits.Limiter;
import io.tsgate.request.RequestAttributes;
import io.tsgate.request.Tenant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

/** The limited decision is total, and a denial carries every header its status needs: adapters only translate. */
class LimitedDecisionTest {
    private static final Access FULL = new Access(new Tenant(7, 0), List.of(), List.of(), Mode.FULL, "root", "k1", null);

    /** A limiter whose stage for reads fails (as a Redis call that throws would), synchronously or later. */
    private static final class FailingLimiter implements Limiter {
        final CompletableFuture<LimitVerdict> stage = new CompletableFuture<>();

        @Override
        public CompletionStage<LimitVerdict> acquireQuery(Tenant tenant) {
            return stage;
        }

        @Override
        public CompletionStage<LimitVerdict> admitWrite(Tenant tenant, long rows, long[] seriesHashes) {
            return stage;
        }

        @Override
        public boolean countsWrites(Tenant tenant) {
            return true;
        }
    }

    private static RequestAuthorizer authorizer(Limiter limiter) {
        return new RequestAuthorizer(new BearerTokenAuthenticator("Authorization", token -> {
            if (!token.equals("full")) {
                throw new CredentialRejectedException("bad_signature", "token signature does not verify");
            }
            return FULL;
        }), false, limiter);
    }

    private static RequestAttributes read(String token) {
        return new RequestAttributes("GET", "/api/v1/query?query=up", Map.of("authorization", "Bearer " + token),
                new byte[0], true, "10.0.0.1");
    }

    @Test
    void aFailedLimiterStageBecomesTheBackendUnavailableDenialInsideTheCore() {
        FailingLimiter limiter = new FailingLimiter();
        CompletableFuture<Decision> d = authorizer(limiter).decideLimited(read("full")).toCompletableFuture();
        limiter.stage.completeExceptionally(new IllegalStateException("redis unreachable"));
        assertTrue(d.isDone() && !d.isCompletedExceptionally());
        Deny deny = assertInstanceOf(Deny.class, d.join());
        assertEquals(429, deny.status());
        assertEquals("limit_backend_unavailable", deny.reason());
        assertEquals(LimitDenials.unavailable().withClass(io.tsgate.request.RequestClass.READ), deny);
    }

    @Test
    void everyUnauthorizedDenialCarriesItsBearerChallenge() {
        Decision d = authorizer(null).decideLimited(read("forged")).toCompletableFuture().join();
        Deny deny = assertInstanceOf(Deny.class, d);
        assertEquals(401, deny.status());
        assertEquals("Bearer error=\"invalid_token\"", deny.headers().get(Deny.WWW_AUTHENTICATE));
        assertEquals(null, Deny.of(429, "limit_queries", "over").headers().get(Deny.WWW_AUTHENTICATE));
    }
}

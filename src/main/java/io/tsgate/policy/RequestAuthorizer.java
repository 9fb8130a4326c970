package io.tsgate.policy;

import io.tsgate.auth.Access;
import io.tsgate.auth.Authenticator;
import io.tsgate.auth.CredentialRejectedException;
import io.tsgate.limits.Limiter;
import io.tsgate.request.Backend;
import io.tsgate.request.BadRequestException;
import io.tsgate.request.Endpoint;
import io.tsgate.request.EndpointCatalogue;
import io.tsgate.request.QueryParam;
import io.tsgate.request.QueryStrings;
import io.tsgate.request.RequestAttributes;
import io.tsgate.request.RequestClass;
import io.tsgate.request.RequestTarget;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The decision core. A request flows one way through named phases: authenticate → parse target → classify →
 * authorize → rewrite → limit. Every phase can only narrow what the credential allows; nothing the client sends
 * widens it. The limit phase ({@link #decideLimited}) asks the {@link Limiter} without blocking.
 */
public final class RequestAuthorizer {
    /** Headers VictoriaMetrics reads a tenant from (vminsert/vmselect); never forwarded from clients. */
    private static final List<String> TENANT_HEADERS = List.of("accountid", "projectid");
    static final String HEADER_PREFIX = "x-tsgate-";

    private final Authenticator authenticator;
    private final boolean clusterMode;
    /** The credential header and the tenant headers: removed from every allowed request. */
    private final List<String> alwaysRemoved;
    /** Null when -enable.rateLimit is off. */
    private final Limiter limiter;
    /** Null when -enable.rateLimit is off: no write needs its body counted. */
    private final WriteAdmission writes;

    public RequestAuthorizer(Authenticator authenticator, boolean clusterMode) {
        this(authenticator, clusterMode, null);
    }

    /** Writes of tenants with write limits follow {@code -ratelimit.uncountableWrites=deny} (the default). */
    public RequestAuthorizer(Authenticator authenticator, boolean clusterMode, Limiter limiter) {
        this(authenticator, clusterMode, limiter,
                limiter == null ? null : new WriteAdmission(limiter, true, Long.MAX_VALUE));
    }

    /** @param writes what decides whether a write's body must be counted; null when limits are off */
    public RequestAuthorizer(Authenticator authenticator, boolean clusterMode, Limiter limiter, WriteAdmission writes) {
        this.authenticator = authenticator;
        this.clusterMode = clusterMode;
        this.limiter = limiter;
        this.writes = writes;
        List<String> always = new ArrayList<>(TENANT_HEADERS);
        always.addAll(0, authenticator.credentialHeaders());
        this.alwaysRemoved = List.copyOf(always);
    }

    /**
     * The headers every allow removes (credential and tenant headers), as the very list instance an {@link Allow}
     * carries when the request sent no {@code x-tsgate-*} header: adapters may prepare responses for it.
     */
    public List<String> alwaysRemovedHeaders() {
        return alwaysRemoved;
    }

    /** True when {@link #decideLimited} applies rate limits; false means it is {@link #decide}, already complete. */
    public boolean limits() {
        return limiter != null || writes != null;
    }

    /** {@link #decideLimited(RequestAttributes, BodyCounting)} where nothing counts a write's body afterwards. */
    public CompletionStage<Decision> decideLimited(RequestAttributes r) {
        return decideLimited(r, BodyCounting.NONE);
    }

    /**
     * {@link #decide}, then the limits: an allowed read is counted against the tenant's {@code queries} limits (over
     * a limit it becomes a 429); an allowed write of a tenant with row or series limits is asked whether its body
     * can be counted ({@link WriteAdmission}): by {@code counting}, what the data plane runs after this decision.
     * The stage is already complete unless the limiter needs I/O (redis); callers must not block on it on a
     * transport thread. It never completes exceptionally: a limiter stage that fails becomes the 429
     * {@code limit_backend_unavailable}, so adapters only translate.
     */
    public CompletionStage<Decision> decideLimited(RequestAttributes r, BodyCounting counting) {
        Decision d = decide(r);
        if (!(d instanceof Allow a)) {
            return CompletableFuture.completedFuture(d);
        }
        // Limits count metrics samples only: a logs or traces write has no rows or series to count, so it is never
        // refused for a body no data plane counts.
        if (a.requestClass() == RequestClass.WRITE && writes != null && a.backend() == Backend.METRICS) {
            Deny refused = writes.atAuthorization(a, counting);
            return CompletableFuture.completedFuture(refused == null ? d : refused);
        }
        if (limiter == null || a.requestClass() != RequestClass.READ) {
            return CompletableFuture.completedFuture(d);
        }
        // A refused or failed limit is still a read: counted under class "read", not the "none" of early denials.
        return limiter.acquireQuery(a.tenant()).handle((v, failure) -> failure != null
                ? LimitDenials.unavailable().withClass(RequestClass.READ)
                : v.allowed() ? d : LimitDenials.of(v).withIdentity(a.tenant().toString(), a.access().subject())
                        .withClass(RequestClass.READ));
    }

    /** The decision without rate limits (also what {@code tsgate check} explains). */
    public Decision decide(RequestAttributes r) {
        Access access;
        try {
            access = authenticator.authenticate(r);
        } catch (CredentialRejectedException e) {
            return Deny.of(e.status(), e.reason(), e.getMessage());
        }
        Decision d = authorize(r, access);
        if (d instanceof Deny deny) {
            return deny.withIdentity(access.tenant().toString(), access.subject());
        }
        return d;
    }

    private Decision authorize(RequestAttributes r, Access access) {
        String named = r.contextExtensions().get(Backend.CONTEXT_KEY);
        Backend backend = named == null ? Backend.METRICS : Backend.of(named);
        if (backend == null) {
            return Deny.of(400, "unknown_backend", "the proxy names backend \"" + named + "\"; the backends are metrics, logs and traces: fix the route's context extension");
        }
        if (backend != Backend.METRICS) {
            return LogsRequestRules.authorize(r, access, backend, headersToRemove(r));
        }
        if (!access.backends().metrics()) {
            return Deny.of(403, "no_metrics_grant", "the credential grants no metrics access: its vm_access has only "
                    + "logs_*/traces_* fields (metrics needs tenant_id or metrics_account_id/metrics_project_id)");
        }
        RequestTarget target;
        try {
            target = RequestTarget.parse(r.rawPath());
        } catch (BadRequestException e) {
            return Deny.of(400, e.reason(), e.getMessage());
        }
        if (EndpointCatalogue.hasTenantPrefix(target.path())) {
            return Deny.of(400, "path_tenant_prefix", "paths carrying a tenant are not accepted; the tenant comes from the token");
        }
        Endpoint endpoint = EndpointCatalogue.classify(r.method(), target.path());
        if (endpoint == null) {
            return Deny.of(403, "unknown_endpoint", r.method() + " " + target.path() + " is not an endpoint this gateway serves");
        }
        if (!access.mode().allows(endpoint.requestClass())) {
            return Deny.of(403, "mode_forbids_" + endpoint.requestClass().label(),
                    "the token's mode does not allow " + endpoint.requestClass().label() + " requests");
        }
        String path = target.path();
        if (clusterMode) {
            path = endpoint.clusterPath(access.tenant());
            if (path == null) {
                return Deny.of(403, "no_cluster_route", target.path() + " has no tenant route in VictoriaMetrics cluster");
            }
        }
        List<QueryParam> query = target.query();
        if (access.restrictsLabels()) {
            if (!endpoint.confinable()) {
                return Deny.of(403, "endpoint_not_confinable", target.path()
                        + " cannot be confined to the token's labels, so it is closed to tokens with extra_labels or extra_filters");
            }
            Deny unconfined = WriteConfinement.check(access, endpoint.requestClass());
            if (unconfined != null) {
                return unconfined;
            }
            Deny body = BodyGuard.check(r, endpoint.requestClass());
            if (body != null) {
                return body;
            }
            query = LabelParams.confine(query, access);
            if (query.size() > QueryStrings.MAX_CONFINED_PARAMS) {
                return Deny.of(400, "query_too_many_params", "a query confined to the token's labels may carry at most "
                        + QueryStrings.MAX_CONFINED_PARAMS + " parameters: past Go's limit VictoriaMetrics ignores "
                        + "every query parameter, the token's filters included");
            }
        }
        String forwarded = query.isEmpty() ? path : QueryStrings.appendEncoded(
                new StringBuilder(path.length() + Math.min(1024, 32 * query.size())).append(path).append('?'), query)
                .toString();
        return new Allow(forwarded, access, endpoint.requestClass(), headersToRemove(r));
    }

    private List<String> headersToRemove(RequestAttributes r) {
        List<String> remove = null;
        for (String name : r.headers().keySet()) {
            if (!name.regionMatches(true, 0, HEADER_PREFIX, 0, HEADER_PREFIX.length())) {
                continue; // most headers: no lower-cased copy to compare
            }
            String n = name.toLowerCase(Locale.ROOT);
            if (n.startsWith(HEADER_PREFIX) && !n.equals(ResponseHeaders.TENANT) && !n.equals(ResponseHeaders.CLASS)) {
                if (remove == null) {
                    remove = new ArrayList<>(alwaysRemoved);
                }
                remove.add(n);
            }
        }
        return remove == null ? alwaysRemoved : remove;
    }
}

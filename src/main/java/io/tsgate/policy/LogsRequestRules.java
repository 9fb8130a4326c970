package io.tsgate.policy;

import io.tsgate.auth.Access;
import io.tsgate.auth.LogsGrant;
import io.tsgate.request.Backend;
import io.tsgate.request.BadRequestException;
import io.tsgate.request.ContentType;
import io.tsgate.request.EndpointCatalogue;
import io.tsgate.request.LogsEndpoint;
import io.tsgate.request.QueryParam;
import io.tsgate.request.QueryStrings;
import io.tsgate.request.RequestAttributes;
import io.tsgate.request.RequestClass;
import io.tsgate.request.RequestTarget;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Authorizes a request for VictoriaLogs or VictoriaTraces: the credential's grant for that backend, the endpoint
 * table ({@code LogsRoutes}), the mode, and for a grant confined by filters the rules that keep it confined:
 * only endpoints that honour filters, no writes (filters are a query-time rule; a confined token could otherwise write
 * logs that its peers' filters then show them), no form or multipart body (Go's {@code r.FormValue} merges it into
 * the arguments VictoriaLogs reads), no repeated argument (the documentation does not say which one wins), and every
 * client-sent {@code extra_filters}/{@code extra_stream_filters} spelling stripped before the grant's are appended.
 * The tenant is set as the {@code AccountID}/{@code ProjectID} headers, replacing whatever the client sent.
 */
final class LogsRequestRules {
    /** Lower case, as Envoy and HTTP/2 carry header names; VictoriaLogs reads them case-insensitively (Go). */
    static final String ACCOUNT_HEADER = "accountid";
    static final String PROJECT_HEADER = "projectid";

    private LogsRequestRules() {
    }

    /** The decision for {@code r} on {@code backend}; {@code removeHeaders} lists the credential and x-tsgate-*. */
    static Decision authorize(RequestAttributes r, Access access, Backend backend, List<String> removeHeaders) {
        LogsGrant grant = access.logsGrant(backend);
        if (grant == null) {
            return Deny.of(403, "no_" + backend.label() + "_grant", "the credential grants no " + backend.label()
                    + " access (its vm_access has no " + backend.label() + "_* fields)");
        }
        RequestTarget target;
        try {
            target = RequestTarget.parse(r.rawPath());
        } catch (BadRequestException e) {
            return Deny.of(400, e.reason(), e.getMessage());
        }
        LogsEndpoint endpoint = EndpointCatalogue.classifyLogs(backend, r.method(), target.path());
        if (endpoint == null) {
            return Deny.of(403, "unknown_endpoint", r.method() + " " + target.path() + " is not a " + backend.label()
                    + " endpoint this gateway serves");
        }
        if (!access.mode().allows(endpoint.requestClass())) {
            return Deny.of(403, "mode_forbids_" + endpoint.requestClass().label(),
                    "the token's mode does not allow " + endpoint.requestClass().label() + " requests");
        }
        List<QueryParam> query = target.query();
        if (grant.confines()) {
            Deny d = confinedRules(r, endpoint, target.path(), query);
            if (d != null) {
                return d;
            }
            query = withGrantFilters(query, grant);
            if (query.size() > QueryStrings.MAX_CONFINED_PARAMS) {
                return Deny.of(400, "query_too_many_params", "a query confined to the token's filters may carry at "
                        + "most " + QueryStrings.MAX_CONFINED_PARAMS + " parameters: past Go's limit the backend "
                        + "ignores every argument, the token's filters included");
            }
        }
        String forwarded = query.isEmpty() ? target.path() : target.path() + "?" + QueryStrings.encode(query);
        Map<String, String> set = Map.of(ACCOUNT_HEADER, Long.toString(grant.tenant().accountId()),
                PROJECT_HEADER, Long.toString(grant.tenant().projectId()));
        List<String> remove = new ArrayList<>(removeHeaders);
        remove.removeIf(h -> h.equalsIgnoreCase(ACCOUNT_HEADER) || h.equalsIgnoreCase(PROJECT_HEADER));
        return new Allow(forwarded, access, endpoint.requestClass(), remove, set, grant.tenant(), backend);
    }

    private static Deny confinedRules(RequestAttributes r, LogsEndpoint endpoint, String path, List<QueryParam> query) {
        if (endpoint.requestClass() == RequestClass.WRITE) {
            return Deny.of(403, WriteConfinement.REASON, "the credential is confined by LogsQL filters, which "
                    + "VictoriaLogs applies to queries only; such a credential may not write");
        }
        if (!endpoint.honoursFilters()) {
            return Deny.of(403, "endpoint_not_confinable", path + " ignores extra_filters, so it is closed to "
                    + "tokens with logs or traces filters");
        }
        Deny body = formBody(r);
        if (body != null) {
            return body;
        }
        Set<String> seen = new HashSet<>();
        for (QueryParam p : query) {
            if (!isFilterParam(p.name()) && !seen.add(p.name())) {
                return Deny.of(400, "repeated_param", "the argument " + p.name() + " is given more than once; "
                        + "for tokens with logs or traces filters each argument may be given once");
            }
        }
        return null;
    }

    /**
     * Go's {@code Request.FormValue} parses url-encoded and multipart bodies of POST, PUT and PATCH into the
     * arguments VictoriaLogs reads; whether a proxy forwarded such a body whole is not reliably known, so any body
     * that Go would read as a form is refused, as is a Content-Type tsgate cannot read exactly as Go does.
     */
    private static Deny formBody(RequestAttributes r) {
        ContentType type;
        try {
            type = ContentType.parse(r.header("content-type"));
        } catch (BadRequestException e) {
            return Deny.of(400, e.reason(), e.getMessage());
        }
        if (type.isMultipart() || type.isForm()) {
            return Deny.of(400, "form_body", "form and multipart bodies are not accepted on LogsQL endpoints for "
                    + "tokens with logs or traces filters; send the arguments in the URL");
        }
        return null;
    }

    /** Every spelling that could reach VictoriaLogs as a filter argument, compared decoded and case-insensitively. */
    static boolean isFilterParam(String decodedName) {
        String n = decodedName.toLowerCase(Locale.ROOT);
        return n.equals("extra_filters") || n.equals("extra_filters[]")
                || n.equals("extra_stream_filters") || n.equals("extra_stream_filters[]");
    }

    private static List<QueryParam> withGrantFilters(List<QueryParam> client, LogsGrant grant) {
        List<QueryParam> out = new ArrayList<>(client.size() + grant.extraFilters().size()
                + grant.extraStreamFilters().size());
        for (QueryParam p : client) {
            if (!isFilterParam(p.name())) {
                out.add(p);
            }
        }
        for (String f : grant.extraFilters()) {
            out.add(new QueryParam("extra_filters", f));
        }
        for (String f : grant.extraStreamFilters()) {
            out.add(new QueryParam("extra_stream_filters", f));
        }
        return out;
    }
}

package io.tsgate.request;

import java.util.List;

/**
 * Classifies a request by method and path into a VictoriaMetrics {@link Endpoint}, the way single-node
 * VictoriaMetrics routes it, or answers null so the caller denies it.
 *
 * <p>VictoriaMetrics hands a request to vminsert, then vmselect, then vmstorage, and each matches differently:
 * vminsert matches the raw path (with explicit {@code /prometheus} aliases and one trailing {@code /} dropped under
 * {@code /datadog/}); vmselect first strips one leading {@code /prometheus/} <em>or</em> {@code /graphite/} from any
 * path, so {@code /graphite/api/v1/query} is a query; vmstorage matches the raw path. All of them fold {@code //}
 * into {@code /}, which {@link RequestTarget} refuses beforehand. This class follows the same order so that what
 * tsgate authorizes is what VictoriaMetrics runs. Anything serving the host itself ({@code /metrics},
 * {@code /flags}, pprof, vmui, scrape targets and config, {@code /-/reload}, vmalert proxying) is not catalogued.
 */
public final class EndpointCatalogue {

    private static final String PROMETHEUS_IMPORT = "/api/v1/import/prometheus";
    private static final String LABEL_PREFIX = "/api/v1/label/";
    private static final String LABEL_SUFFIX = "/values";
    private static final List<String> TENANT_PREFIXES = List.of("/select", "/insert", "/delete");

    private EndpointCatalogue() {
    }

    /**
     * The endpoint VictoriaMetrics would serve for this method and path, or null when it is not catalogued, the
     * method is not one tsgate lets through to it, or the path is unsafe or already carries a tenant.
     *
     * @param method the HTTP method, upper case
     * @param path   the path without query, already checked by {@link RequestTarget}
     */
    public static Endpoint classify(String method, String path) {
        if (method == null || !RequestTarget.isSafePath(path) || hasTenantPrefix(path)) {
            return null;
        }
        // vminsert
        if (path.startsWith("/static") || path.startsWith("/prometheus/static")) {
            return null;
        }
        String importPath = stripPrefix(path, "/prometheus");
        if (importPath.startsWith(PROMETHEUS_IMPORT)) {
            return prometheusImport(method, importPath);
        }
        String insertPath = path.startsWith("/datadog/") && path.endsWith("/")
                ? path.substring(0, path.length() - 1) : path;
        VmRoutes.Route route = VmRoutes.INSERT_ROUTES.get(insertPath);
        if (route != null) {
            return route.match(method);
        }
        // vmselect
        String selectPath = path.startsWith("/prometheus/") ? stripPrefix(path, "/prometheus")
                : path.startsWith("/graphite/") ? stripPrefix(path, "/graphite") : path;
        Endpoint variable = selectWithVariablePart(method, selectPath);
        if (variable != null) {
            return variable;
        }
        route = VmRoutes.SELECT_ROUTES.get(selectPath);
        if (route != null) {
            return route.match(method);
        }
        // vmstorage
        route = VmRoutes.STORAGE_ROUTES.get(path);
        return route == null ? null : route.match(method);
    }

    /**
     * The VictoriaLogs or VictoriaTraces endpoint {@code backend} serves for this method and path (see
     * {@code LogsRoutes}), or null when it is not listed for that backend and method or the path is unsafe.
     */
    public static LogsEndpoint classifyLogs(Backend backend, String method, String path) {
        if (backend == null || backend == Backend.METRICS || method == null || !RequestTarget.isSafePath(path)) {
            return null;
        }
        return LogsRoutes.classify(backend, method, path);
    }

    /**
     * The body format of a write to {@code path} as ext_authz authorized it (query string ignored): single-node, or
     * cluster {@code /insert/{tenant}/…}, which routes {@code /insert/{tenant}/prometheus} itself to remote write.
     * Null when the path is no write endpoint. Classification is the one ext_authz used, so both sides agree on
     * what the endpoint is (aliases, the {@code /prometheus} prefix, Datadog's trailing slash).
     */
    public static WriteFormat writeFormat(String path) {
        int q = path.indexOf('?');
        String p = q < 0 ? path : path.substring(0, q);
        if (p.startsWith("/insert/")) {
            int slash = p.indexOf('/', "/insert/".length());
            if (slash < 0) {
                return null;
            }
            p = p.substring(slash);
            if (p.equals("/prometheus") || p.equals("/prometheus/")) {
                return WriteFormat.PROMETHEUS_REMOTE_WRITE;
            }
        }
        Endpoint e = classify("POST", p);
        return e == null ? null : e.writeFormat();
    }

    /**
     * Every fixed path (aliases included, without variable parts such as label names) that classifies as
     * {@code cls} for some method, as a client may send it: vminsert and vmstorage paths as listed, vmselect paths
     * bare and under {@code /prometheus}. Lets tests check that proxy configs route every such path as intended.
     */
    public static java.util.SortedSet<String> fixedPaths(RequestClass cls) {
        java.util.SortedSet<String> out = new java.util.TreeSet<>();
        VmRoutes.INSERT_ROUTES.forEach((path, r) -> addIf(out, cls, path, r));
        VmRoutes.STORAGE_ROUTES.forEach((path, r) -> addIf(out, cls, path, r));
        addIf(out, cls, PROMETHEUS_IMPORT, VmRoutes.PROMETHEUS_IMPORT);
        addIf(out, cls, "/prometheus" + PROMETHEUS_IMPORT, VmRoutes.PROMETHEUS_IMPORT);
        VmRoutes.SELECT_ROUTES.forEach((path, r) -> {
            addIf(out, cls, path, r);
            addIf(out, cls, "/prometheus" + path, r);
        });
        out.removeIf(path -> {
            Endpoint e = null;
            for (String m : List.of("GET", "POST", "PUT")) {
                Endpoint c = classify(m, path);
                e = e == null ? c : e;
            }
            return e == null || e.requestClass() != cls;
        });
        return out;
    }

    private static void addIf(java.util.Set<String> out, RequestClass cls, String path, VmRoutes.Route r) {
        if (r.endpoint().requestClass() == cls) {
            out.add(path);
        }
    }

    /**
     * True when the path already names a cluster tenant ({@code /select/…}, {@code /insert/…}, {@code /delete/…}):
     * the caller answers 400 ({@link BadRequestException#PATH_TENANT_PREFIX}), since only tsgate chooses the tenant.
     */
    public static boolean hasTenantPrefix(String path) {
        if (path == null) {
            return false;
        }
        for (String prefix : TENANT_PREFIXES) {
            if (path.startsWith(prefix) && (path.length() == prefix.length() || path.charAt(prefix.length()) == '/')) {
                return true;
            }
        }
        return false;
    }

    /**
     * Newer VictoriaMetrics routes every path starting with {@code /api/v1/import/prometheus} to the Prometheus
     * text importer, reading Pushgateway-style labels from {@code /metrics/job/…}; v1.79.5 serves only the exact
     * path. Both label sources come before {@code extra_label}, which therefore still wins. Other suffixes: denied.
     */
    private static Endpoint prometheusImport(String method, String path) {
        String rest = path.substring(PROMETHEUS_IMPORT.length());
        if (rest.isEmpty()) {
            return VmRoutes.PROMETHEUS_IMPORT.match(method);
        }
        boolean pushgateway = (rest.startsWith("/metrics/job/") || rest.startsWith("/metrics/job@base64/"))
                && !rest.endsWith("/");
        return pushgateway ? VmRoutes.PROMETHEUS_IMPORT.match(method, path) : null;
    }

    /** vmselect's prefix-matched routes; the variable part must be one non-empty segment. */
    private static Endpoint selectWithVariablePart(String method, String path) {
        if (path.startsWith(LABEL_PREFIX) && path.endsWith(LABEL_SUFFIX)
                && path.length() >= LABEL_PREFIX.length() + LABEL_SUFFIX.length()) {
            String name = path.substring(LABEL_PREFIX.length(), path.length() - LABEL_SUFFIX.length());
            return isSegment(name) ? VmRoutes.LABEL_VALUES.match(method, path) : null;
        }
        if (path.startsWith("/tags/") && !VmRoutes.SELECT_ROUTES.containsKey(path)) {
            String name = path.substring("/tags/".length());
            return isSegment(name) ? VmRoutes.GRAPHITE_TAG_VALUES.match(method, path) : null;
        }
        if (path.equals("/functions")
                || path.startsWith("/functions/") && isSegment(path.substring("/functions/".length()))) {
            return VmRoutes.GRAPHITE_FUNCTIONS.match(method, path);
        }
        return null;
    }

    private static boolean isSegment(String s) {
        return !s.isEmpty() && s.indexOf('/') < 0;
    }

    private static String stripPrefix(String path, String prefix) {
        return path.startsWith(prefix) && path.length() > prefix.length() && path.charAt(prefix.length()) == '/'
                ? path.substring(prefix.length()) : path;
    }
}

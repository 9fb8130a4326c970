package io.tsgate.it;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ExtProcPerRoute;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Envoy's route selection for the route configurations tsgate ships (v1.34.0 {@code source/common/router/
 * config_impl.cc}): the first route of the one virtual host whose match holds wins. Path matchers see the path
 * without query and fragment ({@code source/common/common/matchers.cc} {@code PathMatcher::match}), case-sensitively;
 * {@code prefix}, exact {@code path} and {@code safe_regex} (a full match) are modelled, with header matchers by
 * {@code string_match.exact} or {@code present_match} on the comma-joined values. A route configuration using
 * anything else is refused when loaded, so a test cannot pass on a route the stand-in reads differently.
 *
 * <p>Per-filter configs resolve as Envoy does: ext_authz takes the most specific {@code ExtAuthzPerRoute} (route,
 * else virtual host) for {@code disabled} and {@code check_settings}, but merges {@code context_extensions} from the
 * virtual host and then the route ({@code ext_authz.cc} {@code initiateCall}, {@code getPerRouteFlags}); ext_proc
 * takes the route's over the virtual host's ({@code ext_proc.cc} {@code mergePerRouteConfig}).
 */
public final class RouteTable {

    /** What Envoy does with a request matched to {@code route}. */
    public record Match(String name, String cluster, int directStatus, String directBody, String hashHeader,
                        List<String> mirrorClusters, ExtAuthzPerRoute authz, Map<String, String> contextExtensions,
                        ExtProcPerRoute extProc) {
        public boolean isDirectResponse() {
            return directStatus > 0;
        }
    }

    private record Entry(Route route, Pattern regex) {
    }

    private final VirtualHost host;
    private final List<Entry> entries = new ArrayList<>();
    private final ExtAuthzPerRoute hostAuthz;
    private final ExtProcPerRoute hostExtProc;

    public RouteTable(RouteConfiguration config) {
        if (config.getVirtualHostsCount() != 1 || !config.getVirtualHosts(0).getDomainsList().equals(List.of("*"))) {
            throw new UnsupportedOperationException("stand-in models one virtual host with domains [\"*\"]");
        }
        host = config.getVirtualHosts(0);
        hostAuthz = perFilter(host.getTypedPerFilterConfigMap(), EnvoyConfig.EXT_AUTHZ, ExtAuthzPerRoute.class);
        hostExtProc = perFilter(host.getTypedPerFilterConfigMap(), EnvoyConfig.EXT_PROC, ExtProcPerRoute.class);
        for (Route r : host.getRoutesList()) {
            entries.add(new Entry(r, compile(r)));
        }
    }

    /** The route Envoy picks for {@code path} (query included or not) and these headers, or null (404). */
    public Match match(String path, HeaderList headers) {
        String p = path;
        int cut = indexOfAny(p, '?', '#');
        if (cut >= 0) {
            p = p.substring(0, cut);
        }
        for (Entry e : entries) {
            if (pathMatches(e, p) && headersMatch(e.route().getMatch(), headers)) {
                return toMatch(e.route());
            }
        }
        return null;
    }

    private static Pattern compile(Route r) {
        RouteMatch m = r.getMatch();
        if (m.hasCaseSensitive() && !m.getCaseSensitive().getValue()) {
            throw new UnsupportedOperationException("route " + r.getName() + ": case_sensitive: false");
        }
        if (m.getQueryParametersCount() > 0 || m.hasRuntimeFraction() || m.hasGrpc() || m.hasTlsContext()
                || m.getDynamicMetadataCount() > 0) {
            throw new UnsupportedOperationException("route " + r.getName() + ": matcher not modelled: " + m);
        }
        for (HeaderMatcher h : m.getHeadersList()) {
            boolean exact = h.hasStringMatch() && h.getStringMatch().hasExact() && !h.getStringMatch().getIgnoreCase();
            if (!(exact || h.hasPresentMatch()) || h.getInvertMatch()) {
                throw new UnsupportedOperationException("route " + r.getName() + ": header matcher not modelled: " + h);
            }
        }
        if (!r.hasRoute() && !r.hasDirectResponse()) {
            throw new UnsupportedOperationException("route " + r.getName() + ": only route and direct_response");
        }
        return switch (m.getPathSpecifierCase()) {
            case PREFIX, PATH -> null;
            case SAFE_REGEX -> Pattern.compile(m.getSafeRegex().getRegex());
            default -> throw new UnsupportedOperationException("route " + r.getName() + ": " + m.getPathSpecifierCase());
        };
    }

    private static boolean pathMatches(Entry e, String path) {
        RouteMatch m = e.route().getMatch();
        return switch (m.getPathSpecifierCase()) {
            case PREFIX -> path.startsWith(m.getPrefix());
            case PATH -> path.equals(m.getPath());
            case SAFE_REGEX -> e.regex().matcher(path).matches();
            default -> false;
        };
    }

    private static boolean headersMatch(RouteMatch m, HeaderList headers) {
        for (HeaderMatcher h : m.getHeadersList()) {
            List<String> values = headers.all(h.getName());
            if (values.isEmpty()) {
                return false;
            }
            if (h.hasStringMatch() && !String.join(",", values).equals(h.getStringMatch().getExact())) {
                return false;
            }
        }
        return true;
    }

    private Match toMatch(Route r) {
        ExtAuthzPerRoute routeAuthz = perFilter(r.getTypedPerFilterConfigMap(), EnvoyConfig.EXT_AUTHZ, ExtAuthzPerRoute.class);
        ExtProcPerRoute routeExtProc = perFilter(r.getTypedPerFilterConfigMap(), EnvoyConfig.EXT_PROC, ExtProcPerRoute.class);
        Map<String, String> extensions = new java.util.TreeMap<>();
        for (ExtAuthzPerRoute a : new ExtAuthzPerRoute[] {hostAuthz, routeAuthz}) {
            if (a != null) {
                extensions.putAll(a.getCheckSettings().getContextExtensionsMap());
            }
        }
        String hashHeader = null;
        List<String> mirrors = new ArrayList<>();
        if (r.hasRoute()) {
            var action = r.getRoute();
            for (var policy : action.getHashPolicyList()) {
                if (!policy.hasHeader() || hashHeader != null) {
                    throw new UnsupportedOperationException("route " + r.getName() + ": hash policy not modelled");
                }
                hashHeader = policy.getHeader().getHeaderName();
            }
            for (var mirror : action.getRequestMirrorPoliciesList()) {
                var fraction = mirror.getRuntimeFraction().getDefaultValue();
                if (mirror.hasRuntimeFraction() && !(fraction.getNumerator() == 100
                        && fraction.getDenominatorValue() == 0)) {
                    throw new UnsupportedOperationException("route " + r.getName() + ": partial mirroring");
                }
                mirrors.add(mirror.getCluster());
            }
        }
        return new Match(r.getName(), r.hasRoute() ? r.getRoute().getCluster() : null,
                r.hasDirectResponse() ? r.getDirectResponse().getStatus() : 0,
                r.hasDirectResponse() ? r.getDirectResponse().getBody().getInlineString() : "",
                hashHeader, List.copyOf(mirrors), routeAuthz != null ? routeAuthz : hostAuthz,
                Map.copyOf(extensions), routeExtProc != null ? routeExtProc : hostExtProc);
    }

    private static <T extends com.google.protobuf.Message> T perFilter(Map<String, Any> configs, String filter,
                                                                        Class<T> type) {
        Any any = configs.get(filter);
        if (any == null) {
            return null;
        }
        try {
            return any.unpack(type);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException(filter + " per-route config is not " + type.getSimpleName(), e);
        }
    }

    private static int indexOfAny(String s, char a, char b) {
        int i = s.indexOf(a);
        int j = s.indexOf(b);
        return i < 0 ? j : (j < 0 ? i : Math.min(i, j));
    }
}

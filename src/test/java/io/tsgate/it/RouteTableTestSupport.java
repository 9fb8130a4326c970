package io.tsgate.it;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute;

/** Edits a parsed route's ext_authz per-route config, for stand-in tests that vary a shipped config. */
final class RouteTableTestSupport {
    private RouteTableTestSupport() {
    }

    static ExtAuthzPerRoute.Builder authzPerRoute(Route.Builder route) {
        Any any = route.getTypedPerFilterConfigOrDefault(EnvoyConfig.EXT_AUTHZ, null);
        try {
            return any == null ? ExtAuthzPerRoute.newBuilder() : any.unpack(ExtAuthzPerRoute.class).toBuilder();
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }

    static void setAuthzPerRoute(Route.Builder route, ExtAuthzPerRoute perRoute) {
        route.putTypedPerFilterConfig(EnvoyConfig.EXT_AUTHZ, Any.pack(perRoute));
    }
}

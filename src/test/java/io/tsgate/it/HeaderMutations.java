package io.tsgate.it;

import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption.HeaderAppendAction;
import java.util.List;

/**
 * Envoy's ext_authz rules for applying {@code HeaderValueOption}s from a {@code CheckResponse}, as read in
 * {@code source/extensions/filters/common/ext_authz/ext_authz_grpc_impl.cc} and
 * {@code source/extensions/filters/http/ext_authz/ext_authz.cc}:
 * <ul>
 *   <li>The deprecated {@code append} BoolValue, when present, wins over {@code append_action}; ext_authz treats it
 *       as false by default (external_auth.proto: "append ... defaults to false when used in this message").</li>
 *   <li>Request headers ({@code OkHttpResponse.headers}): {@code append: true} appends {@code ,value} to an existing
 *       header and does nothing when the header is absent; {@code append: false} sets (overwrite or add).</li>
 *   <li>Response headers ({@code response_headers_to_add}, {@code DeniedHttpResponse.headers}): {@code append: true}
 *       adds another entry; {@code append: false} sets.</li>
 *   <li>Without {@code append}, {@code append_action} decides: APPEND_IF_EXISTS_OR_ADD adds an entry (the enum's
 *       default, value 0), ADD_IF_ABSENT adds only when absent, OVERWRITE_IF_EXISTS_OR_ADD sets,
 *       OVERWRITE_IF_EXISTS sets only when present.</li>
 *   <li>Mutations apply in the order the authorization server listed them.</li>
 * </ul>
 */
public final class HeaderMutations {

    /** Which side of the proxy a mutation targets; only the meaning of {@code append: true} differs. */
    public enum Side { UPSTREAM_REQUEST, DOWNSTREAM_RESPONSE }

    private HeaderMutations() {
    }

    public static void apply(HeaderList headers, List<HeaderValueOption> options, Side side) {
        for (HeaderValueOption option : options) {
            apply(headers, option, side);
        }
    }

    static void apply(HeaderList headers, HeaderValueOption option, Side side) {
        String name = option.getHeader().getKey();
        String value = option.getHeader().getValue();
        if (option.hasAppend()) {
            if (!option.getAppend().getValue()) {
                headers.set(name, value);
            } else if (side == Side.UPSTREAM_REQUEST) {
                headers.appendToExisting(name, value);
            } else {
                headers.add(name, value);
            }
            return;
        }
        HeaderAppendAction action = option.getAppendAction();
        switch (action) {
            case APPEND_IF_EXISTS_OR_ADD -> headers.add(name, value);
            case ADD_IF_ABSENT -> {
                if (!headers.contains(name)) {
                    headers.add(name, value);
                }
            }
            case OVERWRITE_IF_EXISTS_OR_ADD -> headers.set(name, value);
            case OVERWRITE_IF_EXISTS -> {
                if (headers.contains(name)) {
                    headers.set(name, value);
                }
            }
            default -> throw new IllegalArgumentException("invalid append_action " + action + " for " + name
                    + " (Envoy ignores or rejects such a response)");
        }
    }

    /**
     * Envoy's {@code Http::HeaderUtility::isRemovableHeader}: {@code headers_to_remove} may not remove pseudo-headers
     * or {@code host}; such entries are ignored.
     */
    public static boolean isRemovable(String name) {
        return !name.isEmpty() && name.charAt(0) != ':' && !name.equalsIgnoreCase("host");
    }
}

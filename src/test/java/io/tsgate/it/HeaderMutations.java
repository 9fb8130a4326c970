package io.tsgate.it;

import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.service.ext_proc.v3.HeaderMutation;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How Envoy v1.34.0 (commit d7809ba2b0) applies header mutations from ext_authz and ext_proc. The three places read
 * {@code HeaderValueOption} differently, and a reply that relies on a field the place ignores gets the wrong headers:
 * <ul>
 *   <li>ext_authz {@code OkHttpResponse.headers} and {@code DeniedHttpResponse.headers}
 *       ({@code source/extensions/filters/common/ext_authz/ext_authz_grpc_impl.cc} {@code copyHeaderFieldIntoResponse}):
 *       only {@code append} counts, absent meaning false; {@code append_action} is ignored; the value is
 *       {@code value} ({@code raw_value} is ignored). On the request ({@code ext_authz.cc} {@code onComplete}) every
 *       set is applied first (setCopy), then every append (appendCopy, ",value" onto an existing header, nothing when
 *       absent); with {@code validate_mutations} an invalid name or value makes the reply a 500. On a denial only the
 *       sets are used: each name is removed from the local reply, then every entry is added.</li>
 *   <li>ext_authz {@code response_headers_to_add}: {@code append} when present (true adds, false sets), else
 *       {@code append_action}; applied to the upstream response grouped: adds, sets, add-if-absent,
 *       overwrite-if-exists ({@code ext_authz.cc} {@code encodeHeaders}).</li>
 *   <li>ext_proc {@code HeaderMutation} ({@code source/extensions/filters/http/ext_proc/mutation_utils.cc}
 *       {@code applyHeaderMutations}): removals first, then sets in order; the value is {@code raw_value} only
 *       ({@code value} is ignored, so a value-only entry sets an empty header); {@code append} true adds, absent or
 *       false sets; {@code append_action} is ignored. An invalid name or value fails the whole mutation (500). The
 *       default mutation rules ({@code source/extensions/filters/common/mutation_rules/mutation_rules.cc}) ignore
 *       changes to {@code host}, {@code :authority}, {@code :method}, {@code :scheme}, {@code x-envoy-*}, appends to
 *       pseudo-headers, and removal of pseudo-headers or host.</li>
 * </ul>
 */
public final class HeaderMutations {

    /** A mutation Envoy refused as a whole: the request ends with 500. */
    public static final class Rejected extends Exception {
        Rejected(String message) {
            super(message);
        }
    }

    private HeaderMutations() {
    }

    /** ext_authz {@code OkHttpResponse.headers} onto the request headers. */
    public static void applyAuthzRequest(HeaderList headers, List<HeaderValueOption> options, boolean validate)
            throws Rejected {
        List<Map.Entry<String, String>> sets = new ArrayList<>();
        List<Map.Entry<String, String>> appends = new ArrayList<>();
        split(options, sets, appends);
        for (Map.Entry<String, String> e : sets) {
            check(validate, e);
            headers.set(e.getKey(), e.getValue());
        }
        for (Map.Entry<String, String> e : appends) {
            check(validate, e);
            headers.appendToExisting(e.getKey(), e.getValue());
        }
    }

    /** ext_authz {@code DeniedHttpResponse.headers} onto the local reply's headers. */
    public static void applyAuthzDenied(HeaderList reply, List<HeaderValueOption> options, boolean validate)
            throws Rejected {
        List<Map.Entry<String, String>> sets = new ArrayList<>();
        split(options, sets, new ArrayList<>());
        for (Map.Entry<String, String> e : sets) {
            check(validate, e);
        }
        sets.forEach(e -> reply.remove(e.getKey()));
        sets.forEach(e -> reply.add(e.getKey(), e.getValue()));
    }

    /** ext_authz {@code response_headers_to_add} onto the upstream response. */
    public static void applyAuthzResponse(HeaderList response, List<HeaderValueOption> options, boolean validate)
            throws Rejected {
        List<List<Map.Entry<String, String>>> groups = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(),
                new ArrayList<>());
        for (HeaderValueOption o : options) {
            Map.Entry<String, String> e = Map.entry(o.getHeader().getKey(), raw(o.getHeader().getValue()));
            int group;
            if (o.hasAppend()) {
                group = o.getAppend().getValue() ? 0 : 1;
            } else {
                group = switch (o.getAppendAction()) {
                    case APPEND_IF_EXISTS_OR_ADD -> 0;
                    case OVERWRITE_IF_EXISTS_OR_ADD -> 1;
                    case ADD_IF_ABSENT -> 2;
                    case OVERWRITE_IF_EXISTS -> 3;
                    default -> throw new IllegalArgumentException("v1.34 panics on append_action " + o.getAppendAction());
                };
            }
            check(validate, e);
            groups.get(group).add(e);
        }
        groups.get(0).forEach(e -> response.add(e.getKey(), e.getValue()));
        groups.get(1).forEach(e -> response.set(e.getKey(), e.getValue()));
        groups.get(2).forEach(e -> {
            if (!response.contains(e.getKey())) {
                response.add(e.getKey(), e.getValue());
            }
        });
        groups.get(3).forEach(e -> {
            if (response.contains(e.getKey())) {
                response.set(e.getKey(), e.getValue());
            }
        });
    }

    /** An ext_proc {@code HeaderMutation} with the default mutation rules. */
    public static void applyExtProc(HeaderList headers, HeaderMutation mutation) throws Rejected {
        for (String name : mutation.getRemoveHeadersList()) {
            if (!nameIsValid(name)) {
                throw new Rejected("Invalid character in remove_headers mutation.");
            }
            if (isRemovable(name)) {
                headers.remove(name);
            }
        }
        for (HeaderValueOption o : mutation.getSetHeadersList()) {
            if (!o.hasHeader()) {
                continue;
            }
            String name = o.getHeader().getKey();
            String value = o.getHeader().getRawValue().toString(StandardCharsets.ISO_8859_1);
            if (!nameIsValid(name) || !valueIsValid(value)) {
                throw new Rejected("Invalid character in set_headers mutation.");
            }
            boolean append = o.hasAppend() && o.getAppend().getValue();
            if (!extProcMayChange(name.toLowerCase(java.util.Locale.ROOT), append && headers.contains(name))) {
                continue; // CheckResult::IGNORE
            }
            if (append) {
                headers.add(name, value);
            } else {
                headers.set(name, value);
            }
        }
    }

    /**
     * Envoy's {@code Http::HeaderUtility::isRemovableHeader}: {@code headers_to_remove} may not remove pseudo-headers
     * or {@code host}; such entries are ignored.
     */
    public static boolean isRemovable(String name) {
        return !name.isEmpty() && name.charAt(0) != ':' && !name.equalsIgnoreCase("host");
    }

    /** {@code HeaderUtility::headerNameIsValid}: HTTP/1 token characters, after a leading ':' for pseudo-headers. */
    static boolean nameIsValid(String name) {
        String n = name.startsWith(":") ? name.substring(1) : name;
        if (n.isEmpty()) {
            return !name.startsWith(":");
        }
        for (int i = 0; i < n.length(); i++) {
            char c = n.charAt(i);
            boolean token = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            if (!token) {
                return false;
            }
        }
        return true;
    }

    /** {@code HeaderUtility::headerValueIsValid}: visible ASCII, space, tab and obs-text; no other control byte. */
    static boolean valueIsValid(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c != '\t' && (c < 0x20 || c == 0x7f)) {
                return false;
            }
        }
        return true;
    }

    private static boolean extProcMayChange(String name, boolean appendToExisting) {
        if (name.equals("host") || name.equals(":authority") || name.equals(":method") || name.equals(":scheme")) {
            return false;
        }
        if (name.startsWith(":") && appendToExisting) {
            return false;
        }
        return !name.startsWith("x-envoy-");
    }

    private static void split(List<HeaderValueOption> options, List<Map.Entry<String, String>> sets,
                              List<Map.Entry<String, String>> appends) {
        for (HeaderValueOption o : options) {
            Map.Entry<String, String> e = Map.entry(o.getHeader().getKey(), raw(o.getHeader().getValue()));
            (o.getAppend().getValue() ? appends : sets).add(e);
        }
    }

    /** A proto string as the bytes Envoy copies into its header map, held one char per byte (see {@link HeaderList}). */
    static String raw(String protoString) {
        return new String(protoString.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
    }

    private static void check(boolean validate, Map.Entry<String, String> e) throws Rejected {
        if (validate && (!nameIsValid(e.getKey()) || e.getKey().isEmpty() || !valueIsValid(e.getValue()))) {
            throw new Rejected("invalid header " + e.getKey());
        }
    }
}

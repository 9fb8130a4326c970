package io.tsgate.envoy;

import io.tsgate.request.Backend;

import com.google.protobuf.Struct;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.service.auth.v3.OkHttpResponse;
import io.tsgate.auth.Access;
import io.tsgate.policy.ResponseHeaders;
import io.tsgate.request.RequestClass;
import java.util.List;

/**
 * The parts of an allow response that depend only on the verified identity: its {@code x-tsgate-tenant} header and,
 * per request class, its dynamic metadata. Built once per identity instead of once per request, in a small
 * direct-mapped table keyed by the {@link Access} instance itself (reference equality, not {@code equals}): the
 * token cache and the API-key set hand out the same instance for every request with the same credential, and
 * nothing a client sends can make another credential's instance its own, so a slot only ever answers for the
 * identity it was built from. Two identities in one slot just rebuild in turn. Thread-safe without locks: an entry
 * is immutable and published whole through a reference write.
 */
final class PreparedIdentities {
    private static final int SLOTS = 1024;
    private final Entry[] slots = new Entry[SLOTS];
    private final List<String> alwaysRemoved;

    /** @param alwaysRemoved the headers-to-remove list of a usual allow, which the prepared responses carry */
    PreparedIdentities(List<String> alwaysRemoved) {
        this.alwaysRemoved = alwaysRemoved;
    }

    /** The list instance the prepared {@link Entry#okResponse} carries; any other list needs its own response. */
    List<String> alwaysRemoved() {
        return alwaysRemoved;
    }

    /** What one identity's allow responses share. */
    static final class Entry {
        private final Access access;
        private final HeaderValueOption tenantHeader;
        private final Struct[] metadata;
        private final OkHttpResponse[] okResponses;

        private Entry(Access access, List<String> alwaysRemoved) {
            this.access = access;
            String tenant = access.tenant().toString();
            this.tenantHeader = CheckResponses.overwrite(ResponseHeaders.TENANT, tenant);
            RequestClass[] classes = RequestClass.values();
            Struct[] m = new Struct[classes.length];
            OkHttpResponse[] ok = new OkHttpResponse[classes.length];
            for (RequestClass c : classes) {
                // everything of the allow but :path, which the request adds in front
                ok[c.ordinal()] = OkHttpResponse.newBuilder().addHeaders(tenantHeader)
                        .addHeaders(CheckResponses.classHeader(c)).addAllHeadersToRemove(alwaysRemoved).build();
                m[c.ordinal()] = AuthzMetadata.of(tenant, access, c, Backend.METRICS);
            }
            this.metadata = m;
            this.okResponses = ok;
        }

        /** The allow for this identity and class without {@code :path}, removing the usual headers. */
        OkHttpResponse okResponse(RequestClass c) {
            return okResponses[c.ordinal()];
        }

        HeaderValueOption tenantHeader() {
            return tenantHeader;
        }

        Struct metadata(RequestClass c) {
            return metadata[c.ordinal()];
        }
    }

    /** The prepared parts for this identity, built now if its slot holds another one. */
    Entry of(Access access) {
        int i = System.identityHashCode(access) & (SLOTS - 1);
        Entry e = slots[i];
        if (e == null || e.access != access) {
            e = new Entry(access, alwaysRemoved);
            slots[i] = e;
        }
        return e;
    }
}

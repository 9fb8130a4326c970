package io.tsgate.envoy;

import io.tsgate.request.Backend;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Struct;
import com.google.protobuf.WireFormat;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.envoyproxy.envoy.service.auth.v3.OkHttpResponse;
import io.tsgate.auth.Access;
import io.tsgate.policy.ResponseHeaders;
import io.tsgate.request.RequestClass;
import java.io.IOException;
import java.util.List;

/**
 * The parts of an allow response that depend only on the verified identity: its {@code x-tsgate-tenant} header and,
 * per request class, its dynamic metadata, both as messages and already encoded, so that a usual allow is written
 * as these bytes with the request's {@code :path} in front ({@link Entry#encodeAllow}). Built once per identity
 * instead of once per request, in a small
 * direct-mapped table keyed by the {@link Access} instance itself (reference equality, not {@code equals}): the
 * token cache and the API-key set hand out the same instance for every request with the same credential, and
 * nothing a client sends can make another credential's instance its own, so a slot only ever answers for the
 * identity it was built from. Two identities in one slot just rebuild in turn. Thread-safe without locks: an entry
 * is immutable and published whole through a reference write.
 */
final class PreparedIdentities {
    private static final int SLOTS = 1024;
    private static final String PATH = ":path";
    /** {@code status: {code: OK}}, the first field of every allow. */
    private static final byte[] STATUS_OK = CheckResponse.newBuilder().setStatus(CheckResponses.OK).build().toByteArray();
    /** What follows the header of the {@code :path} option: append false, OVERWRITE_IF_EXISTS_OR_ADD. */
    private static final byte[] PATH_OPTION_TAIL = CheckResponses.overwrite(PATH, "").toBuilder().clearHeader()
            .build().toByteArray();
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
        /** Per class: the encoded OkHttpResponse fields after the {@code :path} header. */
        private final byte[][] okTails;
        /** Per class: the encoded {@code dynamic_metadata} field of the CheckResponse, tag included. */
        private final byte[][] metadataFields;

        private Entry(Access access, List<String> alwaysRemoved) {
            this.access = access;
            String tenant = access.tenant().toString();
            this.tenantHeader = CheckResponses.overwrite(ResponseHeaders.TENANT, tenant);
            RequestClass[] classes = RequestClass.values();
            Struct[] m = new Struct[classes.length];
            byte[][] tails = new byte[classes.length][];
            byte[][] fields = new byte[classes.length][];
            for (RequestClass c : classes) {
                m[c.ordinal()] = AuthzMetadata.of(tenant, access, c, Backend.METRICS);
                // everything of the allow but :path, which the request adds in front
                tails[c.ordinal()] = OkHttpResponse.newBuilder().addHeaders(tenantHeader)
                        .addHeaders(CheckResponses.classHeader(c)).addAllHeadersToRemove(alwaysRemoved).build()
                        .toByteArray();
                fields[c.ordinal()] = CheckResponse.newBuilder().setDynamicMetadata(m[c.ordinal()]).build()
                        .toByteArray();
            }
            this.metadata = m;
            this.okTails = tails;
            this.metadataFields = fields;
        }

        /**
         * The whole CheckResponse of a usual allow (removing only the always-removed headers) of this identity and
         * class, rewriting {@code :path} to {@code path}: the bytes protobuf writes for that message. Protobuf
         * writes fields in field-number order and a repeated field's elements in order, so the message's encoding
         * is the status field, then the ok_response field (its first header, {@code :path}, then the prepared rest),
         * then the prepared dynamic_metadata field; only the :path header and the three lengths enclosing it (header,
         * option, ok_response) are written here.
         */
        byte[] encodeAllow(RequestClass c, String path) {
            byte[] tail = okTails[c.ordinal()];
            byte[] meta = metadataFields[c.ordinal()];
            int header = CodedOutputStream.computeStringSize(HeaderValue.KEY_FIELD_NUMBER, PATH)
                    + (path.isEmpty() ? 0 : CodedOutputStream.computeStringSize(HeaderValue.VALUE_FIELD_NUMBER, path));
            int option = lengthDelimitedSize(HeaderValueOption.HEADER_FIELD_NUMBER, header) + PATH_OPTION_TAIL.length;
            int ok = lengthDelimitedSize(OkHttpResponse.HEADERS_FIELD_NUMBER, option) + tail.length;
            byte[] out = new byte[STATUS_OK.length + lengthDelimitedSize(CheckResponse.OK_RESPONSE_FIELD_NUMBER, ok)
                    + meta.length];
            CodedOutputStream w = CodedOutputStream.newInstance(out);
            try {
                w.writeRawBytes(STATUS_OK);
                w.writeTag(CheckResponse.OK_RESPONSE_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
                w.writeUInt32NoTag(ok);
                w.writeTag(OkHttpResponse.HEADERS_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
                w.writeUInt32NoTag(option);
                w.writeTag(HeaderValueOption.HEADER_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
                w.writeUInt32NoTag(header);
                w.writeString(HeaderValue.KEY_FIELD_NUMBER, PATH);
                if (!path.isEmpty()) {
                    w.writeString(HeaderValue.VALUE_FIELD_NUMBER, path);
                }
                w.writeRawBytes(PATH_OPTION_TAIL);
                w.writeRawBytes(tail);
                w.writeRawBytes(meta);
                w.checkNoSpaceLeft();
            } catch (IOException e) {
                // sizes computed above fit exactly; an array-backed stream fails only when they do not
                throw new IllegalStateException("allow encoding size mismatch", e);
            }
            return out;
        }

        HeaderValueOption tenantHeader() {
            return tenantHeader;
        }

        Struct metadata(RequestClass c) {
            return metadata[c.ordinal()];
        }
    }

    /** Bytes of a length-delimited field: its tag, its length as a varint, and {@code length} bytes. */
    private static int lengthDelimitedSize(int field, int length) {
        return CodedOutputStream.computeTagSize(field) + CodedOutputStream.computeUInt32SizeNoTag(length) + length;
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

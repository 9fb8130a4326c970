package io.tsgate.envoy;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.tsgate.request.RequestClass;
import io.tsgate.request.Tenant;

/**
 * The dynamic metadata ext_authz leaves for ext_proc: written by {@link CheckResponses} on an allow, read by
 * {@link ExtProcStream}. One place for its namespace, its keys and the tenant's spelling ({@link Tenant#toString()}
 * one way, {@link Tenant#parse} the other). Envoy passes it only between its own filters, so a client cannot forge
 * it the way it could a header.
 */
final class AuthzMetadata {
    /** The ext_authz filter's name, under which Envoy files the metadata and forwards it to ext_proc. */
    static final String NAMESPACE = "envoy.filters.http.ext_authz";
    static final String TENANT = "tenant";
    static final String SUBJECT = "subject";
    static final String CLASS = "class";
    static final String KEY_ID = "key_id";
    /** {@code metrics}, {@code logs} or {@code traces}; absent (older tsgate) means metrics. */
    static final String BACKEND = "backend";

    private AuthzMetadata() {
    }

    /** What an allow leaves: {@code tenant} as allowed (a logs or traces grant names its own), and who asked. */
    static Struct of(String tenant, io.tsgate.auth.Access access, RequestClass c, io.tsgate.request.Backend backend) {
        return Struct.newBuilder()
                .putFields(TENANT, CheckResponses.str(tenant))
                .putFields(SUBJECT, CheckResponses.str(access.subject()))
                .putFields(CLASS, CheckResponses.str(c.label()))
                .putFields(KEY_ID, CheckResponses.str(access.keyId()))
                .putFields(BACKEND, CheckResponses.str(backend.label()))
                .build();
    }

    /** The credential's subject, or empty. */
    static String subject(Struct s) {
        return string(s, SUBJECT);
    }

    /** True when ext_authz classified the request as a write. */
    static boolean isWrite(Struct s) {
        return RequestClass.WRITE.label().equals(string(s, CLASS));
    }

    /** True when ext_authz allowed the request for VictoriaMetrics (the only backend whose writes are counted). */
    static boolean isMetrics(Struct s) {
        String b = string(s, BACKEND);
        return b.isEmpty() || b.equals(io.tsgate.request.Backend.METRICS.label());
    }

    /** The tenant ext_authz allowed, or null when the metadata carries none or a malformed one. */
    static Tenant tenant(Struct s) {
        try {
            return Tenant.parse(string(s, TENANT));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static String string(Struct s, String field) {
        Value v = s.getFieldsMap().get(field);
        return v == null ? "" : v.getStringValue();
    }
}

package io.tsgate.envoy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.tsgate.auth.Access;
import io.tsgate.auth.Mode;
import io.tsgate.policy.Allow;
import io.tsgate.request.RequestClass;
import io.tsgate.request.Tenant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What ext_authz writes into Envoy's dynamic metadata is what ext_proc reads back. */
class AuthzMetadataTest {
    private static Struct written(Tenant tenant, RequestClass cls) {
        Access access = new Access(tenant, List.of(), List.of(), Mode.FULL, "alice", "k1", null);
        return new CheckResponses(Map.of()).of(new Allow("/api/v1/write", access, cls, List.of())).message()
                .getDynamicMetadata();
    }

    @Test
    void extProcReadsTheTenantSubjectAndClassExtAuthzWrote() {
        Struct s = written(new Tenant(4294967295L, 7), RequestClass.WRITE);
        assertEquals(new Tenant(4294967295L, 7), AuthzMetadata.tenant(s));
        assertEquals("alice", AuthzMetadata.subject(s));
        assertTrue(AuthzMetadata.isWrite(s));
        assertFalse(AuthzMetadata.isWrite(written(new Tenant(1, 2), RequestClass.READ)));
    }

    @Test
    void aMissingOrMalformedTenantReadsAsNone() {
        assertNull(AuthzMetadata.tenant(Struct.getDefaultInstance()));
        assertNull(AuthzMetadata.tenant(Struct.newBuilder()
                .putFields(AuthzMetadata.TENANT, Value.newBuilder().setStringValue("1:-2").build()).build()));
        assertEquals("", AuthzMetadata.subject(Struct.getDefaultInstance()));
    }
}

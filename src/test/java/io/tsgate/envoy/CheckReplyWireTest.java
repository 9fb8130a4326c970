package io.tsgate.envoy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.envoyproxy.envoy.service.auth.v3.OkHttpResponse;
import io.tsgate.auth.Access;
import io.tsgate.auth.Mode;
import io.tsgate.policy.Allow;
import io.tsgate.policy.ResponseHeaders;
import io.tsgate.request.Backend;
import io.tsgate.request.RequestClass;
import io.tsgate.request.Tenant;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A usual allow is written from prepared bytes, not built as a message: those bytes must be exactly what protobuf
 * writes for the message built field by field, whatever the path (every varint length boundary, non-ASCII), the
 * identity (tenants up to 2^32-1, odd subjects, empty key ids) and the class.
 */
class CheckReplyWireTest {
    private static final List<String> ALWAYS_REMOVED = List.of("authorization", "accountid", "projectid");

    /** The allow as a message, from the proto builders alone: the reference the prepared bytes must equal. */
    static CheckResponse reference(Allow a) {
        String tenant = a.access().tenant().toString();
        return CheckResponse.newBuilder().setStatus(CheckResponses.OK).setOkResponse(OkHttpResponse.newBuilder()
                        .addHeaders(CheckResponses.overwrite(":path", a.path()))
                        .addHeaders(CheckResponses.overwrite(ResponseHeaders.TENANT, tenant))
                        .addHeaders(CheckResponses.overwrite(ResponseHeaders.CLASS, a.requestClass().label()))
                        .addAllHeadersToRemove(a.removeHeaders()))
                .setDynamicMetadata(AuthzMetadata.of(tenant, a.access(), a.requestClass(), Backend.METRICS))
                .build();
    }

    /** What the reply marshaller hands gRPC's framer. */
    static byte[] wire(CheckReply reply) throws IOException {
        try (InputStream in = CheckReply.MARSHALLER.stream(reply)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            in.transferTo(out);
            return out.toByteArray();
        }
    }

    private static List<String> paths() {
        List<String> paths = new ArrayList<>(List.of("/api/v1/query?query=up", "/", "",
                "/api/v1/query?query=%E2%82%AC&extra_label=team%3Ddev", "/api/v1/läbel/€/values", "/\u0000x"));
        // the :path header's lengths around the one-, two- and three-byte varints of every enclosing field
        for (int n : new int[] {100, 110, 115, 120, 127, 128, 129, 200, 16_250, 16_300, 16_383, 16_384, 16_500, 70_000}) {
            paths.add("/api/v1/query?query=" + "x".repeat(n));
        }
        return paths;
    }

    private static List<Access> identities() {
        return List.of(
                new Access(new Tenant(0, 0), List.of(), List.of(), Mode.FULL, "alice", "k1", null),
                new Access(new Tenant(4294967295L, 4294967295L), List.of(), List.of(), Mode.READ, "", "", null),
                new Access(new Tenant(7, 3), List.of(), List.of(), Mode.WRITE, "sübject \"quoted\" ☃", "kid-€",
                        null),
                new Access(new Tenant(12, 0), List.of(), List.of(), Mode.FULL, "s".repeat(300), "k".repeat(130),
                        null));
    }

    @Test
    void preparedAllowIsTheBytesProtobufWritesForTheSameMessage() throws IOException {
        CheckResponses responses = new CheckResponses(Map.of(), ALWAYS_REMOVED);
        int compared = 0;
        for (Access access : identities()) {
            for (RequestClass c : RequestClass.values()) {
                for (String path : paths()) {
                    Allow allow = new Allow(path, access, c, ALWAYS_REMOVED);
                    CheckReply reply = responses.of(allow);
                    CheckResponse expected = reference(allow);
                    assertArrayEquals(expected.toByteArray(), wire(reply), () -> c + " " + path.length() + " chars");
                    assertEquals(expected, reply.message());
                    compared++;
                }
            }
        }
        assertEquals(identities().size() * RequestClass.values().length * paths().size(), compared);
    }

    @Test
    void randomPathsAndIdentitiesEncodeAsProtobufDoes() throws IOException {
        Random random = new Random(20261203);
        CheckResponses responses = new CheckResponses(Map.of(), ALWAYS_REMOVED);
        for (int i = 0; i < 2000; i++) {
            StringBuilder path = new StringBuilder("/");
            int n = random.nextInt(i % 10 == 0 ? 20_000 : 300);
            for (int k = 0; k < n; k++) {
                path.append((char) (random.nextInt(8) == 0 ? 0x80 + random.nextInt(0x3000) : 0x20 + random.nextInt(0x5f)));
            }
            Access access = new Access(new Tenant(random.nextInt() & 0xffffffffL, random.nextInt(1000)), List.of(),
                    List.of(), Mode.FULL, "sub-" + random.nextInt(), "kid-" + i, null);
            Allow allow = new Allow(path.toString(), access, RequestClass.values()[i % RequestClass.values().length],
                    ALWAYS_REMOVED);
            assertArrayEquals(reference(allow).toByteArray(), wire(responses.of(allow)), "case " + i);
        }
    }

    /** Allows that are not the usual one are written as messages, and a reply reads the same either way. */
    @Test
    void otherAnswersStayMessages() throws IOException {
        CheckResponses responses = new CheckResponses(Map.of(), ALWAYS_REMOVED);
        Access access = identities().get(0);
        List<String> more = new ArrayList<>(ALWAYS_REMOVED);
        more.add("x-tsgate-forged");
        Allow unusual = new Allow("/api/v1/query", access, RequestClass.READ, more);
        CheckReply reply = responses.of(unusual);
        assertArrayEquals(reference(unusual).toByteArray(), wire(reply));
        assertEquals(reference(unusual), reply.message());
    }
}

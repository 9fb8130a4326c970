package io.tsgate.envoy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.CodedOutputStream;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.tsgate.auth.Access;
import io.tsgate.auth.BackendGrants;
import io.tsgate.auth.LogsGrant;
import io.tsgate.auth.Mode;
import io.tsgate.policy.Allow;
import io.tsgate.request.Label;
import io.tsgate.request.RequestClass;
import io.tsgate.request.Tenant;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Attacks on the hand-written allow encoding: strings protobuf treats specially (unpaired surrogates, which it
 * writes as '?', surrogate pairs, whose UTF-16 and UTF-8 lengths straddle a varint boundary), lengths at the 2^21
 * varint boundary, and identities with odd parts. Safe: the bytes Envoy receives are exactly protobuf's own for the
 * message tsgate decided, through both of protobuf's encoders (array and stream, as gRPC's message marshaller uses).
 */
class WireEncodingAttackTest {
    private static final List<String> ALWAYS_REMOVED = List.of("authorization", "x-api-key", "accountid", "projectid");

    /** What gRPC's proto marshaller writes for a message: writeTo an OutputStream (the OutputStreamEncoder). */
    private static byte[] streamed(CheckResponse m) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CodedOutputStream c = CodedOutputStream.newInstance(out, 64);
        m.writeTo(c);
        c.flush();
        return out.toByteArray();
    }

    private static void assertSameAsProtobuf(CheckResponses responses, Allow allow, String what) throws IOException {
        CheckReply reply = responses.of(allow);
        CheckResponse expected = CheckReplyWireTest.reference(allow);
        byte[] got = CheckReplyWireTest.wire(reply);
        assertArrayEquals(expected.toByteArray(), got, what);
        assertArrayEquals(streamed(expected), got, what + " (stream encoder)");
        CheckResponse parsed = CheckResponse.parseFrom(got);
        // (a message holding an unpaired surrogate does not round-trip in protobuf itself: compare what it reads)
        assertEquals(CheckResponse.parseFrom(expected.toByteArray()), parsed, what);
        assertTrue(parsed.getUnknownFields().asMap().isEmpty(), what);
        assertTrue(parsed.getOkResponse().getUnknownFields().asMap().isEmpty(), what);
        // whatever Envoy reads as :path is valid UTF-8 and is what protobuf itself would have sent
        byte[] pathBytes = parsed.getOkResponse().getHeaders(0).getHeader().getValueBytes().toByteArray();
        assertEquals(new String(pathBytes, StandardCharsets.UTF_8),
                new String(allow.path().getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8), what);
        assertTrue(com.google.protobuf.ByteString.copyFrom(pathBytes).isValidUtf8(), what);
    }

    private static Access plain() {
        return new Access(new Tenant(3, 4), List.of(), List.of(), Mode.FULL, "alice", "k1", null);
    }

    @Test
    void unpairedSurrogatesInThePathEncodeAsProtobufDoes() throws IOException {
        CheckResponses responses = new CheckResponses(Map.of(), ALWAYS_REMOVED);
        String[] odd = {"\uD800", "\uDC00", "\uDC00\uD800", "\uD83D\uDE00", "\uD83D", "\uDE00x", "\uD800\uD800\uDC00",
                "€\uD800€", "\uDBFF"};
        List<String> paths = new ArrayList<>();
        for (String o : odd) {
            paths.add(o);
            paths.add("/" + o);
            paths.add(o + "/api/v1/query");
            for (int n : new int[] {120, 125, 126, 127, 128, 129, 16_370, 16_380, 16_383, 16_384, 16_390}) {
                paths.add("/" + "a".repeat(Math.max(0, n - 1 - o.length())) + o);
                paths.add("/" + o + "a".repeat(Math.max(0, n - 1 - o.length())));
                // many odd strings: UTF-16 length below a boundary, UTF-8 (or '?') length above or below it
                paths.add("/" + o.repeat(Math.max(1, n / Math.max(1, o.length() * 3))));
            }
        }
        for (RequestClass c : RequestClass.values()) {
            for (String p : paths) {
                assertSameAsProtobuf(responses, new Allow(p, plain(), c, ALWAYS_REMOVED), c + " " + p.length());
            }
        }
    }

    @Test
    void pathAroundTheFourByteVarintBoundary() throws IOException {
        CheckResponses responses = new CheckResponses(Map.of(), ALWAYS_REMOVED);
        int b = 1 << 21;
        for (int n : new int[] {b - 200, b - 150, b - 120, b - 80, b - 40, b - 20, b - 10, b - 1, b, b + 1}) {
            assertSameAsProtobuf(responses, new Allow("/" + "q".repeat(n), plain(), RequestClass.READ,
                    ALWAYS_REMOVED), "len " + n);
        }
        // three-byte chars whose UTF-16 length is far below 2^21 but whose UTF-8 length crosses it
        for (int n : new int[] {b / 3 - 60, b / 3 - 20, b / 3, b / 3 + 1}) {
            assertSameAsProtobuf(responses, new Allow("/" + "€".repeat(n), plain(), RequestClass.WRITE,
                    ALWAYS_REMOVED), "euro " + n);
        }
    }

    @Test
    void oddIdentitiesEncodeAsProtobufDoes() throws IOException {
        CheckResponses responses = new CheckResponses(Map.of(), ALWAYS_REMOVED);
        List<Access> ids = List.of(
                new Access(new Tenant(1, 1), List.of(), List.of(), Mode.FULL, "\uD800lone", "\uDC00", null),
                new Access(new Tenant(0, 0), List.of(), List.of(), Mode.READ, "\u0000", "\u0000\u0000", null),
                new Access(new Tenant(4294967295L, 0), List.of(new Label("team", "a\uD800")),
                        List.of("{env=\"prod\"}"), Mode.WRITE, "s".repeat(16_384), "k".repeat(2_097_100),
                        Instant.parse("2030-01-01T00:00:00.123456789Z"), new Label("team", "a\uD800")),
                new Access(new Tenant(9, 9), List.of(), List.of(), Mode.FULL, "bob", "k", null, null,
                        new BackendGrants(true, new LogsGrant(new Tenant(5, 5), List.of(), List.of()),
                                new LogsGrant(new Tenant(6, 6), List.of(), List.of()))));
        for (Access a : ids) {
            for (RequestClass c : RequestClass.values()) {
                assertSameAsProtobuf(responses, new Allow("/api/v1/query?query=up", a, c, ALWAYS_REMOVED),
                        a.tenant() + " " + c);
            }
        }
    }

    /** The list Envoy is told to remove is the allow's own, also for the empty list and other list instances. */
    @Test
    void headersToRemoveAreTheAllowsOwn() throws IOException {
        CheckResponses none = new CheckResponses(Map.of(), List.of());
        assertSameAsProtobuf(none, new Allow("/x", plain(), RequestClass.READ, List.of()), "empty");
        CheckResponses responses = new CheckResponses(Map.of(), ALWAYS_REMOVED);
        List<String> equalCopy = new ArrayList<>(ALWAYS_REMOVED);
        assertSameAsProtobuf(responses, new Allow("/x", plain(), RequestClass.READ, equalCopy), "equal copy");
        List<String> more = new ArrayList<>(ALWAYS_REMOVED);
        more.add("x-tsgate-forged");
        Allow forged = new Allow("/x", plain(), RequestClass.READ, more);
        assertEquals(more, responses.of(forged).message().getOkResponse().getHeadersToRemoveList());
        assertSameAsProtobuf(responses, new Allow("/x", plain(), RequestClass.READ, List.of()), "none removed");
    }
}

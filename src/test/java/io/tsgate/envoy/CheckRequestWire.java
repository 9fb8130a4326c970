package io.tsgate.envoy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.tsgate.request.RequestAttributes;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * What the {@link CheckRequestReader} tests share: protobuf wire writing with control over every encoding choice
 * (padded varints, any wire type, raw bytes), and the property they hold the reader to — what it takes, protobuf
 * takes too, with the attributes of {@code CheckRequests.toAttributes(CheckRequest.parseFrom(bytes))}.
 */
final class CheckRequestWire {
    private CheckRequestWire() {
    }

    // --- wire writing with control over every encoding choice -----------------------------------------------

    /** A varint with {@code pad} redundant continuation bytes (overlong form). */
    static byte[] varint(long v, int pad) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<Integer> groups = new ArrayList<>();
        do {
            groups.add((int) (v & 0x7F));
            v >>>= 7;
        } while (v != 0);
        for (int i = 0; i < pad; i++) {
            groups.add(0);
        }
        for (int i = 0; i < groups.size(); i++) {
            out.write(groups.get(i) | (i < groups.size() - 1 ? 0x80 : 0));
        }
        return out.toByteArray();
    }

    static byte[] varint(long v) {
        return varint(v, 0);
    }

    static byte[] cat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    static byte[] tag(int field, int wt, int pad) {
        return varint(((long) field << 3) | wt, pad);
    }

    static byte[] len(int field, byte[] value, int tagPad, int lenPad) {
        return cat(tag(field, 2, tagPad), varint(value.length, lenPad), value);
    }

    static byte[] len(int field, byte[] value) {
        return len(field, value, 0, 0);
    }

    static byte[] str(int field, String s) {
        return len(field, s.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] vfield(int field, long v) {
        return cat(tag(field, 0, 0), varint(v));
    }

    static byte[] bytes(int... bs) {
        byte[] out = new byte[bs.length];
        for (int i = 0; i < bs.length; i++) {
            out[i] = (byte) bs[i];
        }
        return out;
    }

    static byte[] inHttp(byte[]... fields) {
        return len(1, len(4, len(2, cat(fields))));
    }

    static byte[] hdr(String k, String v) {
        return len(3, cat(str(1, k), str(2, v)));
    }

    static byte[] inAttrs(byte[]... fields) {
        return len(1, cat(fields));
    }

    // --- the property --------------------------------------------------------------------------------------

    static RequestAttributes generated(byte[] bytes) {
        try {
            return CheckRequests.toAttributes(CheckRequest.parseFrom(bytes));
        } catch (InvalidProtocolBufferException e) {
            return null;
        }
    }

    static void assertSameAttributes(RequestAttributes want, RequestAttributes got, String what) {
        assertEquals(want.method(), got.method(), what);
        assertEquals(want.rawPath(), got.rawPath(), what);
        assertEquals(want.headers(), got.headers(), what);
        assertEquals(List.copyOf(want.headers().entrySet()), List.copyOf(got.headers().entrySet()), what + " order");
        assertEquals(want.headers().size(), got.headers().size(), what);
        for (String k : new String[] {"content-length", "x-envoy-auth-partial-body", "authorization", ":path", "",
            ":"}) {
            assertEquals(want.headers().get(k), got.headers().get(k), what + " get " + k);
            assertEquals(want.headers().containsKey(k), got.headers().containsKey(k), what + " containsKey " + k);
        }
        assertArrayEquals(want.body(), got.body(), what);
        assertEquals(want.bodyComplete(), got.bodyComplete(), what);
        assertEquals(want.peer(), got.peer(), what);
        assertEquals(want.contextExtensions(), got.contextExtensions(), what);
    }

    /** Taken ⇒ protobuf takes it, same attributes; also the marshaller agrees. Returns whether the reader took it. */
    static boolean agrees(byte[] bytes, HeaderNames names, String what) {
        RequestAttributes read = CheckRequestReader.read(bytes, 0, bytes.length, names);
        RequestAttributes want = generated(bytes);
        if (read != null) {
            assertNotNull(want, () -> "reader took bytes protobuf refuses: " + what + " " + hex(bytes));
            assertSameAttributes(want, read, what + " " + hex(bytes));
        }
        return read != null;
    }

    static String hex(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < Math.min(b.length, 200); i++) {
            s.append(String.format("%02x", b[i] & 0xFF));
        }
        return b.length > 200 ? s + "…" : s.toString();
    }

    /** A length-delimited field holding the string's ISO-8859-1 bytes: one byte per char, any byte value. */
    static byte[] latin1(int field, String s) {
        return len(field, s.getBytes(StandardCharsets.ISO_8859_1));
    }
}

package io.tsgate.envoy;

import io.tsgate.request.BodyCompleteness;
import io.tsgate.request.RequestAttributes;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads a {@code CheckRequest} straight from its wire bytes into {@link RequestAttributes}, for the encodings Envoy
 * writes; anything else is declined ({@code null}) and the caller parses the message with protobuf's generated
 * parser and {@link CheckRequests#toAttributes}. The generated parser builds about forty objects per Check (a builder
 * and a message per nested type, a map entry per header) that tsgate then walks once; profiling showed it as the
 * largest single cost of a Check, above the whole decision.
 *
 * <p>What is read is read as protobuf reads it, and what protobuf would refuse is never accepted here: the reader
 * accepts only a message it checks completely, else it declines. So it declines
 * <ul>
 *   <li>any byte above 0x7F in a string field (protobuf requires valid UTF-8 there; ASCII is always valid and decodes
 *       to the same chars), a header name that is not lower-case ASCII (the generated path lower-cases a copy);</li>
 *   <li>a second occurrence of a field whose value it uses (protobuf merges or keeps the last), a header or context
 *       key seen twice, a map entry with anything but one key and one value;</li>
 *   <li>a known field with another wire type than its own (protobuf would keep it as an unknown field), groups and
 *       the reserved wire types, a varint longer than its type allows (protobuf truncates some), a length past its
 *       message;</li>
 *   <li>fields whose contents it does not check itself: a non-empty {@code metadata_context} or
 *       {@code route_metadata_context} (structs of any depth), {@code header_map} (Envoy's raw header list), a
 *       {@code pipe} or internal address in place of a socket address.</li>
 * </ul>
 * Fields of a known message it does not use are still checked as protobuf would (strings for UTF-8, varints for
 * form), and unknown fields are skipped by their wire type, as protobuf skips them. A test holds the result equal to
 * the generated path's for every message both accept, and the reader's acceptance to imply protobuf's.
 *
 * <p>Not thread-safe; one instance per message.
 */
final class CheckRequestReader {
    /** Control flow for "decline": one shared instance, no stack trace, never seen outside this class. */
    private static final class Decline extends RuntimeException {
        Decline() {
            super(null, null, false, false);
        }
    }

    private static final Decline DECLINE = new Decline();
    private static final byte[] NO_BODY = new byte[0];
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final int VARINT = 0;
    private static final int FIXED64 = 1;
    private static final int LEN = 2;
    private static final int FIXED32 = 5;

    private final byte[] b;
    private final HeaderNames names;
    private int pos;

    private String method = "";
    private String path = "";
    private String pseudoPath;
    private final Map<String, String> headers = new LinkedHashMap<>(32);
    private Map<String, String> contextExtensions;
    private long size;
    private int bodyFrom = -1;
    private int bodyTo = -1;
    private boolean bodyIsRaw;
    private String peer = "";
    /** Fields whose value is used, seen once already: one bit each. */
    private int seen;

    private static final int SEEN_ATTRIBUTES = 1;
    private static final int SEEN_SOURCE = 1 << 1;
    private static final int SEEN_REQUEST = 1 << 2;
    private static final int SEEN_HTTP = 1 << 3;
    private static final int SEEN_METHOD = 1 << 4;
    private static final int SEEN_PATH = 1 << 5;
    private static final int SEEN_SIZE = 1 << 6;
    private static final int SEEN_BODY = 1 << 7;
    private static final int SEEN_RAW_BODY = 1 << 8;
    private static final int SEEN_ADDRESS = 1 << 9;
    private static final int SEEN_SOCKET_ADDRESS = 1 << 10;
    private static final int SEEN_PEER_IP = 1 << 11;

    private CheckRequestReader(byte[] bytes, int from, HeaderNames names) {
        this.b = bytes;
        this.pos = from;
        this.names = names;
    }

    /**
     * The request's attributes, or null when the bytes are not an encoding this reader takes (see the class).
     *
     * @param names header names read before (shared across calls; any table gives the same result)
     */
    static RequestAttributes read(byte[] bytes, int off, int len, HeaderNames names) {
        if (off < 0 || len < 0 || off + len > bytes.length) {
            throw new IndexOutOfBoundsException();
        }
        CheckRequestReader r = new CheckRequestReader(bytes, off, names);
        try {
            r.checkRequest(off + len);
        } catch (Decline d) {
            return null;
        }
        return r.attributes();
    }

    private RequestAttributes attributes() {
        // raw_body when it is not empty, else body (ASCII: its UTF-8 bytes as they came), as CheckRequests reads them
        byte[] body = bodyTo > bodyFrom ? Arrays.copyOfRange(b, bodyFrom, bodyTo) : NO_BODY;
        String target = !path.isEmpty() ? path : pseudoPath == null ? "" : pseudoPath;
        boolean complete = BodyCompleteness.isComplete(method, body.length, size, headers);
        return new RequestAttributes(method, target, headers, body, complete, peer,
                contextExtensions == null ? Map.of() : contextExtensions);
    }

    // --- messages ----------------------------------------------------------------------------------------------

    private void checkRequest(int end) {
        while (pos < end) {
            int tag = tag(end);
            if (field(tag) == 1) {
                once(SEEN_ATTRIBUTES, tag, LEN);
                attributeContext(length(end));
            } else {
                skip(tag, end);
            }
        }
    }

    /** envoy.service.auth.v3.AttributeContext */
    private void attributeContext(int end) {
        while (pos < end) {
            int tag = tag(end);
            switch (field(tag)) {
                case 1 -> {
                    once(SEEN_SOURCE, tag, LEN);
                    peer(length(end), true);
                }
                case 2 -> {
                    expect(tag, LEN);
                    peer(length(end), false);
                }
                case 4 -> {
                    once(SEEN_REQUEST, tag, LEN);
                    request(length(end));
                }
                case 10 -> {
                    expect(tag, LEN);
                    if (contextExtensions == null) {
                        contextExtensions = new LinkedHashMap<>();
                    }
                    mapEntry(length(end), contextExtensions, false);
                }
                case 11, 13 -> { // config.core.v3.Metadata: structs of any depth; only an empty one is taken
                    expect(tag, LEN);
                    if (length(end) != pos) {
                        throw DECLINE;
                    }
                }
                case 12 -> { // TLSSession { string sni = 1; }
                    expect(tag, LEN);
                    stringsOnly(length(end), 1, 1);
                }
                default -> skip(tag, end);
            }
        }
    }

    /** AttributeContext.Peer; {@code source} keeps its socket address (the client's), {@code destination} is checked. */
    private void peer(int end, boolean keep) {
        while (pos < end) {
            int tag = tag(end);
            switch (field(tag)) {
                case 1 -> {
                    once(keep ? SEEN_ADDRESS : 0, tag, LEN); // a checked-only peer may repeat it
                    address(length(end), keep);
                }
                case 2, 4, 5 -> checkedString(tag, end); // service, principal, certificate
                case 3 -> { // labels
                    expect(tag, LEN);
                    mapEntry(length(end), null, false);
                }
                default -> skip(tag, end);
            }
        }
    }

    /** config.core.v3.Address: only its socket_address member of the oneof. */
    private void address(int end, boolean keep) {
        while (pos < end) {
            int tag = tag(end);
            switch (field(tag)) {
                case 1 -> {
                    once(keep ? SEEN_SOCKET_ADDRESS : 0, tag, LEN); // a checked-only peer may repeat it
                    socketAddress(length(end), keep);
                }
                case 2, 3 -> throw DECLINE; // pipe, envoy_internal_address: the other members of the oneof
                default -> skip(tag, end);
            }
        }
    }

    /** config.core.v3.SocketAddress */
    private void socketAddress(int end, boolean keep) {
        while (pos < end) {
            int tag = tag(end);
            switch (field(tag)) {
                case 1, 3, 6 -> { // protocol (enum), port_value, ipv4_compat
                    expect(tag, VARINT);
                    varint(end, 10);
                }
                case 2 -> {
                    if (keep) {
                        once(SEEN_PEER_IP, tag, LEN);
                        peer = string(end);
                    } else {
                        checkedString(tag, end);
                    }
                }
                case 4, 5, 7 -> checkedString(tag, end); // named_port, resolver_name, network_namespace_filepath
                default -> skip(tag, end);
            }
        }
    }

    /** AttributeContext.Request */
    private void request(int end) {
        while (pos < end) {
            int tag = tag(end);
            switch (field(tag)) {
                case 1 -> { // google.protobuf.Timestamp { int64 seconds = 1; int32 nanos = 2; }
                    expect(tag, LEN);
                    varintsOnly(length(end));
                }
                case 2 -> {
                    once(SEEN_HTTP, tag, LEN);
                    http(length(end));
                }
                default -> skip(tag, end);
            }
        }
    }

    /** AttributeContext.HttpRequest */
    private void http(int end) {
        while (pos < end) {
            int tag = tag(end);
            switch (field(tag)) {
                case 2 -> {
                    once(SEEN_METHOD, tag, LEN);
                    method = string(end);
                }
                case 3 -> {
                    expect(tag, LEN);
                    mapEntry(length(end), headers, true);
                }
                case 4 -> {
                    once(SEEN_PATH, tag, LEN);
                    path = string(end);
                }
                case 9 -> {
                    once(SEEN_SIZE, tag, VARINT);
                    size = varint(end, 10);
                }
                case 11 -> {
                    once(SEEN_BODY, tag, LEN);
                    int to = length(end);
                    ascii(pos, to);
                    if (!bodyIsRaw) {
                        bodyFrom = pos;
                        bodyTo = to;
                    }
                    pos = to;
                }
                case 12 -> {
                    once(SEEN_RAW_BODY, tag, LEN);
                    int to = length(end);
                    if (to > pos) { // raw_body wins over body when it is not empty, as CheckRequests reads them
                        bodyIsRaw = true;
                        bodyFrom = pos;
                        bodyTo = to;
                    }
                    pos = to;
                }
                case 1, 5, 6, 7, 8, 10 -> checkedString(tag, end); // id, host, scheme, query, fragment, protocol
                case 13 -> throw DECLINE; // header_map: Envoy's raw header list, read by the generated path
                default -> skip(tag, end);
            }
        }
    }

    /**
     * One {@code map<string, string>} entry into {@code into} (null: checked only). {@code headers}: the key must be
     * lower-case ASCII; pseudo-headers are kept out of the map, {@code :path} is remembered.
     */
    private void mapEntry(int end, Map<String, String> into, boolean headerEntry) {
        String key = null;
        String value = null;
        while (pos < end) {
            int tag = tag(end);
            switch (field(tag)) {
                case 1 -> {
                    if (key != null) {
                        throw DECLINE;
                    }
                    expect(tag, LEN);
                    key = headerEntry ? name(end) : string(end);
                }
                case 2 -> {
                    if (value != null) {
                        throw DECLINE;
                    }
                    expect(tag, LEN);
                    value = string(end);
                }
                default -> throw DECLINE;
            }
        }
        if (into == null) {
            return;
        }
        key = key == null ? "" : key;
        value = value == null ? "" : value;
        if (headerEntry) { // the name is lower-case ASCII (name())
            if (!key.isEmpty() && key.charAt(0) == ':') {
                if (key.equals(":path")) {
                    if (pseudoPath != null) {
                        throw DECLINE;
                    }
                    pseudoPath = value;
                }
                return;
            }
        }
        if (into.put(key, value) != null) {
            throw DECLINE;
        }
    }

    /** A message whose fields {@code from..to} are strings (checked) and any other field unknown. */
    private void stringsOnly(int end, int from, int to) {
        while (pos < end) {
            int tag = tag(end);
            int f = field(tag);
            if (f >= from && f <= to) {
                checkedString(tag, end);
            } else {
                skip(tag, end);
            }
        }
    }

    /** A message of varint fields only (Timestamp: seconds, nanos), anything else unknown. */
    private void varintsOnly(int end) {
        while (pos < end) {
            int tag = tag(end);
            int f = field(tag);
            if (f == 1 || f == 2) {
                expect(tag, VARINT);
                varint(end, 10);
            } else {
                skip(tag, end);
            }
        }
    }

    // --- wire primitives ---------------------------------------------------------------------------------------

    private static int field(int tag) {
        return tag >>> 3;
    }

    private static void expect(int tag, int wireType) {
        if ((tag & 7) != wireType) {
            throw DECLINE;
        }
    }

    /** The field's wire type, and (unless {@code bit} is 0: a field only checked) its first occurrence. */
    private void once(int bit, int tag, int wireType) {
        expect(tag, wireType);
        if ((seen & bit) != 0) {
            throw DECLINE;
        }
        seen |= bit;
    }

    /** A tag: at most five bytes, a field number of at least 1, within int range. */
    private int tag(int end) {
        if (pos < end && b[pos] >= 8) { // one byte: fields 1 to 15
            return b[pos++];
        }
        long t = varint(end, 5);
        if (t < 8 || t > Integer.MAX_VALUE) {
            throw DECLINE;
        }
        return (int) t;
    }

    /**
     * A varint of at most {@code maxBytes} bytes; declines anything protobuf would read differently from its value:
     * longer forms (truncated by protobuf) and a tenth byte other than 0x01 (protobuf's array decoder sets bit 63
     * for a padded ten-byte form ending in 0x00, its stream decoder does not).
     */
    private long varint(int end, int maxBytes) {
        long v = 0;
        for (int i = 0; i < maxBytes; i++) {
            if (pos >= end) {
                throw DECLINE;
            }
            int x = b[pos++];
            if (i == 9 && x != 1) { // only 0x01 is a tenth byte protobuf's array and stream decoders read alike
                throw DECLINE;
            }
            v |= (long) (x & 0x7F) << (7 * i);
            if (x >= 0) {
                return v;
            }
        }
        throw DECLINE;
    }

    /** A length prefix; returns where the value ends (it must end within {@code end}). */
    private int length(int end) {
        int first = pos < end ? b[pos] : -1;
        if (first >= 0 && first <= end - pos - 1) { // one byte: up to 127
            pos++;
            return pos + first;
        }
        long n = varint(end, 5);
        if (n > end - pos) {
            throw DECLINE;
        }
        return pos + (int) n;
    }

    /** A string field's value: ASCII only (see the class). */
    private String string(int end) {
        int to = length(end);
        String s = asciiText(to);
        pos = to;
        return s;
    }

    /**
     * A header name: the same text as {@link #string}, which must also be lower-case; shared with earlier requests
     * that sent the same bytes (the table keeps only names that passed both checks).
     */
    private String name(int end) {
        int to = length(end);
        String s = names.lookup(b, pos, to);
        if (s == null) {
            s = asciiText(to);
            if (!isLowerCase(s)) {
                throw DECLINE;
            }
            names.remember(b, pos, to, s);
        }
        pos = to;
        return s;
    }

    private void checkedString(int tag, int end) {
        expect(tag, LEN);
        int to = length(end);
        ascii(pos, to);
        pos = to;
    }

    /**
     * {@code b[pos, to)} as text, declined unless ASCII. The JDK's ASCII decoder scans for high bytes in bulk and turns
     * each into U+FFFD, which no ASCII text contains and which a Latin-1 string cannot hold (found in O(1)).
     */
    private String asciiText(int to) {
        String s = new String(b, pos, to - pos, StandardCharsets.US_ASCII);
        if (s.indexOf('\uFFFD') >= 0) {
            throw DECLINE;
        }
        return s;
    }

    /** Declines a byte above 0x7F in {@code b[from, to)}; eight bytes a step. */
    private void ascii(int from, int to) {
        int i = from;
        for (; i <= to - 8; i += 8) {
            if (((long) LONGS.get(b, i) & 0x8080808080808080L) != 0) {
                throw DECLINE;
            }
        }
        for (; i < to; i++) {
            if (b[i] < 0) {
                throw DECLINE;
            }
        }
    }

    /** An unknown field, skipped by its wire type as protobuf skips it; groups and reserved types are declined. */
    private void skip(int tag, int end) {
        switch (tag & 7) {
            case VARINT -> varint(end, 10);
            case FIXED64 -> advance(8, end);
            case LEN -> pos = length(end);
            case FIXED32 -> advance(4, end);
            default -> throw DECLINE;
        }
    }

    private void advance(int n, int end) {
        if (end - pos < n) {
            throw DECLINE;
        }
        pos += n;
    }

    private static boolean isLowerCase(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 'A' && c <= 'Z') {
                return false; // above 0x7F cannot occur: strings are ASCII here
            }
        }
        return true;
    }
}

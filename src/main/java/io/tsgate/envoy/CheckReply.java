package io.tsgate.envoy;

import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.protobuf.ProtoUtils;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * One Check answer as it goes on the wire: a {@code CheckResponse} message, or that message already encoded. A
 * usual allow is assembled from bytes its identity prepared once and the request's {@code :path}
 * ({@link PreparedIdentities}), instead of building and serializing a message with a dozen nested fields per call;
 * the bytes are exactly those protobuf writes for the same message, which a test holds, so Envoy reads the same
 * answer either way.
 */
final class CheckReply {
    private static final MethodDescriptor.Marshaller<CheckResponse> PROTO =
            ProtoUtils.marshaller(CheckResponse.getDefaultInstance());

    /** Writes a reply's bytes (or its message); reads any {@code CheckResponse} into a reply holding the message. */
    static final MethodDescriptor.Marshaller<CheckReply> MARSHALLER = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(CheckReply reply) {
            return reply.encoded != null ? new EncodedStream(reply.encoded) : PROTO.stream(reply.message);
        }

        @Override
        public CheckReply parse(InputStream stream) {
            return new CheckReply(PROTO.parse(stream), null);
        }
    };

    private final CheckResponse message;
    private final byte[] encoded;

    private CheckReply(CheckResponse message, byte[] encoded) {
        this.message = message;
        this.encoded = encoded;
    }

    static CheckReply of(CheckResponse message) {
        return new CheckReply(message, null);
    }

    /** @param encoded a complete, valid {@code CheckResponse} encoding; not copied, so never written to afterwards */
    static CheckReply encoded(byte[] encoded) {
        return new CheckReply(null, encoded);
    }

    /** The answer as a message (an encoded one is parsed: for callers outside the gRPC path and for tests). */
    CheckResponse message() {
        if (message != null) {
            return message;
        }
        try {
            return CheckResponse.parseFrom(encoded);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("a prepared CheckResponse does not parse", e);
        }
    }

    /** The bytes for gRPC's framer: their length known up front, drained in one write. */
    private static final class EncodedStream extends InputStream implements KnownLength, Drainable {
        private final byte[] bytes;
        private int pos;

        EncodedStream(byte[] bytes) {
            this.bytes = bytes;
        }

        @Override
        public int read() {
            return pos < bytes.length ? bytes[pos++] & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (len == 0) {
                return 0;
            }
            if (pos >= bytes.length) {
                return -1;
            }
            int n = Math.min(len, bytes.length - pos);
            System.arraycopy(bytes, pos, b, off, n);
            pos += n;
            return n;
        }

        @Override
        public int available() {
            return bytes.length - pos;
        }

        @Override
        public int drainTo(OutputStream target) throws IOException {
            int n = bytes.length - pos;
            target.write(bytes, pos, n);
            pos = bytes.length;
            return n;
        }
    }
}

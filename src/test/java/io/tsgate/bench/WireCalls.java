package io.tsgate.bench;

import io.grpc.Attributes;
import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/**
 * Unary calls into a bound gRPC service without a transport: the request goes in as bytes read by the service's own
 * request marshaller, the response comes out as the bytes its response marshaller writes (what a transport would
 * frame), so a benchmark counts parsing and serialization as a server pays them, with neither sockets nor HTTP/2 in
 * the figure.
 */
final class WireCalls<ReqT, RespT> {
    private final ServerMethodDefinition<ReqT, RespT> method;

    @SuppressWarnings("unchecked")
    WireCalls(ServerServiceDefinition service, String fullMethodName) {
        this.method = (ServerMethodDefinition<ReqT, RespT>) service.getMethod(fullMethodName);
        if (method == null) {
            throw new IllegalArgumentException(fullMethodName + " is not bound");
        }
    }

    /** One call with an encoded request; returns the number of response bytes written into {@code sink}. */
    long call(byte[] requestBytes, OutputStream sink) {
        ReqT request = method.getMethodDescriptor().parseRequest(new Received(requestBytes));
        Call call = new Call(sink);
        ServerCallHandler<ReqT, RespT> handler = method.getServerCallHandler();
        ServerCall.Listener<ReqT> listener = handler.startCall(call, new Metadata());
        listener.onMessage(request);
        listener.onHalfClose();
        if (call.status == null || !call.status.isOk()) {
            throw new IllegalStateException("call ended with " + call.status);
        }
        listener.onComplete();
        return call.written;
    }

    /** A received message as gRPC's deframer hands it to a marshaller: a stream that knows its length. */
    private static final class Received extends ByteArrayInputStream implements KnownLength {
        Received(byte[] bytes) {
            super(bytes);
        }
    }

    private final class Call extends ServerCall<ReqT, RespT> {
        private final OutputStream sink;
        long written;
        Status status;

        Call(OutputStream sink) {
            this.sink = sink;
        }

        @Override
        public void request(int numMessages) {
        }

        @Override
        public void sendHeaders(Metadata headers) {
        }

        @Override
        public void sendMessage(RespT message) {
            // as gRPC's framer does: a Drainable (protobuf's stream, tsgate's encoded reply) writes itself out
            try (InputStream in = method.getMethodDescriptor().streamResponse(message)) {
                written += in instanceof Drainable d ? d.drainTo(sink) : in.transferTo(sink);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void close(Status status, Metadata trailers) {
            this.status = status;
        }

        @Override
        public boolean isCancelled() {
            return false;
        }

        @Override
        public MethodDescriptor<ReqT, RespT> getMethodDescriptor() {
            return method.getMethodDescriptor();
        }

        @Override
        public Attributes getAttributes() {
            return Attributes.EMPTY;
        }
    }
}

package io.tsgate.bench;

import io.grpc.Attributes;
import io.grpc.Drainable;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/**
 * Unary calls into a bound gRPC service without a transport: the request goes in as a message, the response comes
 * out as the bytes the service's own marshaller writes (what a transport would frame), so a benchmark counts the
 * response's serialization as a server pays it, with neither sockets nor HTTP/2 in the figure.
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

    /** One call; returns the number of response bytes written into {@code sink}. */
    long call(ReqT request, OutputStream sink) {
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

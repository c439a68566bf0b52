package io.mesh4j.client.internal.grpc;

import java.util.concurrent.atomic.AtomicLong;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.ForwardingClientCallListener.SimpleForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.mesh4j.core.internal.telemetry.MeshMetrics;

/**
 * Counts the messages a streaming call of a mesh stub carries each way, recorded when the call closes (a gRPC
 * client call always closes, however it ends). Unary calls carry one each way, or none when they fail: nothing to
 * learn, and no series to keep.
 */
final class StreamMessages implements ClientInterceptor {

    private final String service;
    private final MeshMetrics metrics;

    StreamMessages(String service, MeshMetrics metrics) {
        this.service = service;
        this.metrics = metrics;
    }

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        final ClientCall<Q, R> call = next.newCall(method, options);
        if (method.getType() == MethodDescriptor.MethodType.UNARY) {
            return call;
        }
        final String route = '/' + method.getFullMethodName();
        final AtomicLong sent = new AtomicLong();
        final AtomicLong received = new AtomicLong();
        return new SimpleForwardingClientCall<>(call) {
            @Override
            public void start(Listener<R> listener, Metadata headers) {
                super.start(
                        new SimpleForwardingClientCallListener<>(listener) {
                            @Override
                            public void onMessage(R message) {
                                received.incrementAndGet();
                                super.onMessage(message);
                            }

                            @Override
                            public void onClose(Status status, Metadata trailers) {
                                metrics.clientStreamMessages(service, route, sent.get(), received.get());
                                super.onClose(status, trailers);
                            }
                        },
                        headers);
            }

            @Override
            public void sendMessage(Q message) {
                sent.incrementAndGet();
                super.sendMessage(message);
            }
        };
    }

    @Override
    public String toString() {
        return "StreamMessages(" + service + ')';
    }
}

package io.mesh4j.server.internal.grpc;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.server.ServiceRequestContext;

import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.mesh4j.core.deadline.Deadline;
import io.mesh4j.core.internal.telemetry.MeshMetrics;

/**
 * Every gRPC call of the server while it is open, each one {@link EndableCall endable} by the mesh:
 *
 * <ul>
 *   <li>at the deadline the DEADLINE layer attached (the caller's {@code grpc-timeout}, or the route's shorter
 *       timeout), with {@code DEADLINE_EXCEEDED}. Armeria's request timeout alone would reset the stream, which a
 *       stock client reads as {@code CANCELLED}; a route timeout the caller never heard of would then look like the
 *       caller's own doing. The request timeout stays as the backstop;</li>
 *   <li>at the end of a drain ({@link #endAll}), with {@code UNAVAILABLE}: a stream that outlives the drain period
 *       would otherwise hold the server open until its shutdown timeout, and then end in a reset; told
 *       {@code UNAVAILABLE}, a client re-opens it on another instance.</li>
 * </ul>
 *
 * <p>When a streaming call ends, however it ends, the messages it carried each way are recorded.
 */
final class OpenCalls implements ServerInterceptor {

    private final Set<EndableCall<?, ?>> open = ConcurrentHashMap.newKeySet();
    private final String service;
    private final MeshMetrics metrics;

    OpenCalls(String service, MeshMetrics metrics) {
        this.service = service;
        this.metrics = metrics;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        final ServiceRequestContext ctx = ServiceRequestContext.current();
        final EndableCall<Q, R> endable = new EndableCall<>(call, ctx);
        open.add(endable);
        final MethodDescriptor<Q, R> method = call.getMethodDescriptor();
        final boolean streaming = method.getType() != MethodDescriptor.MethodType.UNARY;
        final @Nullable Deadline deadline = Deadline.of(ctx);
        if (deadline != null) {
            endable.timer(ctx.eventLoop()
                    .schedule(
                            () -> endable.end(Status.DEADLINE_EXCEEDED.withDescription(
                                    "the call's deadline ran out on the server (the caller's grpc-timeout, or the "
                                            + "route's timeout when shorter)")),
                            Math.max(0, deadline.remainingNanos()),
                            TimeUnit.NANOSECONDS));
        }
        final ServerCall.Listener<Q> listener;
        try {
            listener = next.startCall(endable, headers);
        } catch (RuntimeException | Error e) {
            ended(endable, method, streaming);
            throw e;
        }
        // The call's end is heard from its listener, which the call hears of once, completed or cancelled, however
        // it ended: no log listener of its own per call.
        return new SimpleForwardingServerCallListener<>(listener) {
            @Override
            public void onMessage(Q message) {
                endable.received.incrementAndGet();
                super.onMessage(message);
            }

            @Override
            public void onComplete() {
                try {
                    super.onComplete();
                } finally {
                    ended(endable, method, streaming);
                }
            }

            @Override
            public void onCancel() {
                try {
                    super.onCancel();
                } finally {
                    ended(endable, method, streaming);
                }
            }
        };
    }

    private void ended(EndableCall<?, ?> endable, MethodDescriptor<?, ?> method, boolean streaming) {
        if (open.remove(endable) && streaming) {
            metrics.serverStreamMessages(
                    service, '/' + method.getFullMethodName(), endable.sent.get(), endable.received.get());
        }
    }

    /**
     * Ends every call still open with {@code status}, each on its own event loop.
     *
     * @return how many calls were open
     */
    int endAll(Status status) {
        final List<EndableCall<?, ?>> calls = List.copyOf(open);
        for (EndableCall<?, ?> call : calls) {
            call.endOnItsLoop(status);
        }
        return calls.size();
    }
}

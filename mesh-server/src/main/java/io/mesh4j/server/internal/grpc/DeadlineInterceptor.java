package io.mesh4j.server.internal.grpc;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.server.ServiceRequestContext;

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.mesh4j.core.deadline.Deadline;

/**
 * Ends a gRPC call with {@code DEADLINE_EXCEEDED} when the deadline the DEADLINE layer attached runs out (the
 * caller's {@code grpc-timeout}, or the route's shorter timeout). Armeria's request timeout alone would reset the
 * stream, which a stock client reads as {@code CANCELLED}; a route timeout the caller never heard of would then
 * look like the caller's own doing. The request timeout stays as the backstop.
 */
final class DeadlineInterceptor implements ServerInterceptor {

    static final DeadlineInterceptor INSTANCE = new DeadlineInterceptor();

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        final ServiceRequestContext ctx = ServiceRequestContext.current();
        final @Nullable Deadline deadline = Deadline.of(ctx);
        if (deadline == null) {
            return next.startCall(call, headers);
        }
        final BoundedCall<Q, R> bounded = new BoundedCall<>(call);
        bounded.timer =
                ctx.eventLoop().schedule(bounded::expire, Math.max(0, deadline.remainingNanos()), TimeUnit.NANOSECONDS);
        return next.startCall(bounded, headers);
    }

    /** The call, closed once: by the handler, or by the deadline, after which what the handler sends is dropped. */
    private static final class BoundedCall<Q, R> extends SimpleForwardingServerCall<Q, R> {

        private boolean closed;
        private @Nullable ScheduledFuture<?> timer;

        BoundedCall(ServerCall<Q, R> delegate) {
            super(delegate);
        }

        synchronized void expire() {
            if (!closed) {
                closed = true;
                super.close(
                        Status.DEADLINE_EXCEEDED.withDescription(
                                "the call's deadline ran out on the server (the caller's grpc-timeout, or the route's "
                                        + "timeout when shorter)"),
                        new Metadata());
            }
        }

        @Override
        public synchronized void sendHeaders(Metadata headers) {
            if (!closed) {
                super.sendHeaders(headers);
            }
        }

        @Override
        public synchronized void sendMessage(R message) {
            if (!closed) {
                super.sendMessage(message);
            }
        }

        @Override
        public synchronized void close(Status status, Metadata trailers) {
            if (!closed) {
                closed = true;
                final @Nullable ScheduledFuture<?> pending = timer;
                if (pending != null) {
                    pending.cancel(false);
                }
                super.close(status, trailers);
            }
        }
    }
}

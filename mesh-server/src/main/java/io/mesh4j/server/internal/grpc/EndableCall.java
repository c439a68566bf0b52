package io.mesh4j.server.internal.grpc;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicLong;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.server.ServiceRequestContext;

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.Status;

/**
 * A gRPC call the mesh may end before its handler does (at its deadline, at the end of a drain), closed once: by
 * the handler or by the mesh, after which what the handler sends is dropped and the call reads as cancelled, so
 * that a handler that streams until {@code isCancelled()} stops. A {@code ServerCall} is not thread-safe and the
 * mesh ends calls from timers, so every method that writes is synchronized. Counts the messages sent.
 */
final class EndableCall<Q, R> extends SimpleForwardingServerCall<Q, R> {

    final AtomicLong sent = new AtomicLong();
    final AtomicLong received = new AtomicLong();

    private final ServiceRequestContext ctx;
    private boolean closed;
    private volatile boolean endedByMesh;
    private @Nullable ScheduledFuture<?> timer;

    EndableCall(ServerCall<Q, R> delegate, ServiceRequestContext ctx) {
        super(delegate);
        this.ctx = ctx;
    }

    /** The deadline timer, cancelled when the call closes first. */
    synchronized void timer(ScheduledFuture<?> timer) {
        if (closed) {
            timer.cancel(false);
        } else {
            this.timer = timer;
        }
    }

    /** Ends the call with {@code status} unless it has closed already. */
    synchronized void end(Status status) {
        if (!closed) {
            endedByMesh = true;
            close(status, new Metadata());
        }
    }

    /** Ends the call with {@code status} from its context's event loop, as its deadline timer does. */
    void endOnItsLoop(Status status) {
        ctx.eventLoop().execute(() -> end(status));
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
            sent.incrementAndGet();
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

    @Override
    public boolean isCancelled() {
        return endedByMesh || super.isCancelled();
    }
}

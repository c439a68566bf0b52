package io.mesh4j.client.internal.grpc;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.client.ClientRequestContext;
import com.linecorp.armeria.client.ClientRequestContextCaptor;
import com.linecorp.armeria.client.Clients;
import com.linecorp.armeria.client.ResponseTimeoutException;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.ForwardingClientCallListener.SimpleForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.mesh4j.client.internal.stack.CallState;
import io.mesh4j.core.deadline.Deadline;

/**
 * Tells a stub {@code DEADLINE_EXCEEDED}, naming the mesh's timeout, for a call that ended because that timeout ran
 * out, however the end reached the client. The mesh's timeout goes to the server as {@code grpc-timeout} too, so
 * the call may end at the client's timer (Armeria's response timeout), at the server's (its status, in its words, or
 * a reset stream, which reads {@code CANCELLED}), whichever comes first; a caller that set no deadline would not know
 * what ended the call. A call its stub's own deadline ends reads as gRPC has it: the DEADLINE layer names only the
 * mesh's own timeouts ({@link GrpcCalls#TIMEOUT}).
 *
 * <p>A call counts as ended by the timeout when it ends {@code DEADLINE_EXCEEDED} or {@code CANCELLED} by the
 * client's response timeout (which the DEADLINE layer set to the mesh's timeout), or with less than {@link #MARGIN}
 * left of the mesh's deadline: the server's copy of it may run out a little before the client's. What the server
 * said, if anything, is kept after ours.
 */
final class TimeoutStatus implements ClientInterceptor {

    static final TimeoutStatus INSTANCE = new TimeoutStatus();

    private static final long MARGIN = TimeUnit.MILLISECONDS.toNanos(50);

    private TimeoutStatus() {}

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        return new SimpleForwardingClientCall<>(next.newCall(method, options)) {

            /** The call's context, made when the call starts; null until then. */
            private volatile @Nullable ClientRequestContext ctx;

            @Override
            public void start(Listener<R> listener, Metadata headers) {
                try (ClientRequestContextCaptor captor = Clients.newContextCaptor()) {
                    super.start(
                            new SimpleForwardingClientCallListener<>(listener) {
                                @Override
                                public void onClose(Status status, Metadata trailers) {
                                    final @Nullable ClientRequestContext started = ctx;
                                    super.onClose(started != null ? statusOf(started, status) : status, trailers);
                                }
                            },
                            headers);
                    ctx = captor.getOrNull();
                }
            }
        };
    }

    private static Status statusOf(ClientRequestContext ctx, Status status) {
        final Status.Code code = status.getCode();
        if (code != Status.Code.DEADLINE_EXCEEDED && code != Status.Code.CANCELLED) {
            return status;
        }
        final @Nullable Duration timeout = ctx.attr(GrpcCalls.TIMEOUT);
        final @Nullable Deadline deadline = CallState.deadlineOf(ctx);
        if (timeout == null
                || deadline == null
                || (deadline.remainingNanos() > MARGIN && !(status.getCause() instanceof ResponseTimeoutException))) {
            return status;
        }
        final @Nullable String said = status.getDescription();
        return Status.DEADLINE_EXCEEDED
                .withDescription("the mesh's timeout of " + timeout.toMillis() + " ms for " + ctx.path()
                        + " ran out (its route's or policy's timeout, or the deadline of the request being served when "
                        + "sooner)" + (said != null ? ": " + said : ""))
                .withCause(status.getCause());
    }

    @Override
    public String toString() {
        return "TimeoutStatus";
    }
}

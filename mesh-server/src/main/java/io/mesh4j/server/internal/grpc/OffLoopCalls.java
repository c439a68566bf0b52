package io.mesh4j.server.internal.grpc;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.linecorp.armeria.server.ServiceRequestContext;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

/**
 * Runs the application's part of every gRPC call off the connection's event loop, as grpc-java runs it: the start
 * of the call (the user's interceptors and the handler's start) and every listener callback (message, half-close,
 * ready, complete, cancel), in order, one after another per call, on the server's blocking task executor. The
 * call's own machinery (reading the request, writing the answer) stays on the event loop.
 *
 * <p>Why not Armeria's {@code useBlockingTaskExecutor(true)}: that moves the machinery too, and a unary call then
 * crosses between the event loop and the executor about six times (to start, back to read the request, out again
 * for the message, back to write, out again for the end), each a wake-up of a parked thread. Here a unary call
 * crosses three times: out with its start, message and half-close at once (the request has been read whole by
 * then), back with the answer, out with its end.
 */
final class OffLoopCalls implements ServerInterceptor {

    private static final Logger logger = LoggerFactory.getLogger(OffLoopCalls.class);

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        final OffLoopListener<Q> listener =
                new OffLoopListener<>(call, ServiceRequestContext.current().blockingTaskExecutor());
        listener.execute(() -> listener.start(next, call, headers));
        return listener;
    }

    /**
     * Hands every callback to the executor, in order: a callback runs once the one before it has returned, on
     * whichever of the executor's threads, with the request's context current (the executor is context-aware).
     */
    private static final class OffLoopListener<Q> extends ServerCall.Listener<Q> implements Runnable {

        private final ServerCall<Q, ?> call;
        private final Executor executor;
        /** The callbacks not yet run; guarded by itself. */
        private final ArrayDeque<Runnable> pending = new ArrayDeque<>(4);
        /** Whether a task of this call is queued on or running in the executor; guarded by {@link #pending}. */
        private boolean scheduled;
        /** The application's listener, once the call has started; only read and written by the tasks. */
        private ServerCall.@Nullable Listener<Q> delegate;
        /** Whether the call failed to start or a callback threw: the call is closed, later callbacks dropped. */
        private boolean failed;

        OffLoopListener(ServerCall<Q, ?> call, Executor executor) {
            this.call = call;
            this.executor = executor;
        }

        <R> void start(ServerCallHandler<Q, R> next, ServerCall<Q, R> call, Metadata headers) {
            delegate = next.startCall(call, headers);
        }

        @Override
        public void onMessage(Q message) {
            execute(() -> listener().onMessage(message));
        }

        @Override
        public void onHalfClose() {
            execute(() -> listener().onHalfClose());
        }

        @Override
        public void onCancel() {
            execute(() -> listener().onCancel());
        }

        @Override
        public void onComplete() {
            execute(() -> listener().onComplete());
        }

        @Override
        public void onReady() {
            execute(() -> listener().onReady());
        }

        private ServerCall.Listener<Q> listener() {
            final ServerCall.@Nullable Listener<Q> listener = delegate;
            if (listener == null) {
                throw new IllegalStateException("the call's handler returned no listener");
            }
            return listener;
        }

        void execute(Runnable callback) {
            synchronized (pending) {
                pending.add(callback);
                if (scheduled) {
                    // The task running or queued runs this one too, after those before it.
                    return;
                }
                scheduled = true;
            }
            try {
                executor.execute(this);
            } catch (RuntimeException e) {
                synchronized (pending) {
                    pending.clear();
                    scheduled = false;
                }
                logger.warn("{}: could not run a gRPC call's callback off the event loop", call, e);
                call.close(
                        Status.UNAVAILABLE
                                .withDescription("the server is shutting down")
                                .withCause(e),
                        new Metadata());
            }
        }

        /** Runs the callbacks queued so far, and those queued while they run, then lets the next one schedule. */
        @Override
        public void run() {
            for (; ; ) {
                final @Nullable Runnable callback;
                synchronized (pending) {
                    callback = pending.poll();
                    if (callback == null) {
                        scheduled = false;
                        return;
                    }
                }
                if (failed) {
                    continue;
                }
                try {
                    callback.run();
                } catch (RuntimeException | Error e) {
                    // As a gRPC server does with what the application throws: the call ends with its status.
                    failed = true;
                    final Metadata trailers = Status.trailersFromThrowable(e);
                    call.close(Status.fromThrowable(e), trailers != null ? trailers : new Metadata());
                }
            }
        }
    }
}

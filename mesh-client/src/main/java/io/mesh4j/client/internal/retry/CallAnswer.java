package io.mesh4j.client.internal.retry;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.AggregationOptions;
import com.linecorp.armeria.common.HttpObject;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.stream.DeferredStreamMessage;

import io.netty.util.concurrent.EventExecutor;

/**
 * The response the retry loop returns to the caller at once, before any attempt has answered, and hands the call's
 * answer to once it is decided.
 *
 * <p>What {@code HttpResponse.of(future, executor)} made, less its plumbing: that was a future for the answer, a
 * deferred response, and a callback with its own future chained on the first to delegate to the second (about 100
 * bytes a call). Here the loop delegates directly, once.
 *
 * <p>It is also the callback that hands the answer on once the call's log has its response's end: the loop keeps
 * the answer here and passes this object, rather than a lambda made per call.
 */
final class CallAnswer extends DeferredStreamMessage<HttpObject> implements HttpResponse, Runnable {

    private static final AtomicIntegerFieldUpdater<CallAnswer> handedUpdater =
            AtomicIntegerFieldUpdater.newUpdater(CallAnswer.class, "handed");

    private static final AtomicReferenceFieldUpdater<CallAnswer, HttpResponse> pendingUpdater =
            AtomicReferenceFieldUpdater.newUpdater(CallAnswer.class, HttpResponse.class, "pending");

    /** 1 once an answer was handed on: a second one is aborted, never delegated. */
    private volatile int handed;

    /** The answer waiting for {@link #run()}; written before the callback is registered. */
    private volatile @Nullable HttpResponse pending;

    /**
     * Creates the response.
     *
     * @param executor where the caller's subscriber runs by default: the call's event loop
     */
    CallAnswer(EventExecutor executor) {
        super(executor);
    }

    /**
     * Hands {@code answer} to the caller, unless one already was: then {@code answer} is aborted (its pooled body
     * released).
     */
    void hand(HttpResponse answer) {
        if (handedUpdater.compareAndSet(this, 0, 1)) {
            delegate(answer);
        } else {
            answer.abort();
        }
    }

    /**
     * Keeps {@code answer} for {@link #run()}, unless another is kept already (a call that ended twice, as a
     * cancelled call's retry can): then the caller hands that one on with a callback of its own.
     *
     * @return whether {@code answer} is kept, and {@code this} is the callback to hand it on
     */
    boolean handLater(HttpResponse answer) {
        return pendingUpdater.compareAndSet(this, null, answer);
    }

    /** Hands on the answer kept by {@link #handLater}. */
    @Override
    public void run() {
        final @Nullable HttpResponse answer = pendingUpdater.getAndSet(this, null);
        if (answer == null) {
            throw new IllegalStateException("no answer kept to hand on");
        }
        hand(answer);
    }

    @Override
    public CompletableFuture<AggregatedHttpResponse> aggregate(AggregationOptions options) {
        // As Armeria's own deferred response does: its aggregation, cached as the options say.
        return super.aggregate(options);
    }
}

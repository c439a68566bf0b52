package io.mesh4j.core.internal.stack;

import java.util.function.Consumer;

import com.linecorp.armeria.common.logging.RequestLog;

import io.netty.util.AttributeKey;

/**
 * How a per-call pass hears of its call's end when a retry loop below it ran the call's first attempt on the call's
 * own context. That context's log is then the first attempt's: it ends with that attempt, and says nothing of a
 * retry that answered in the end. The loop, set on the context as {@link #KEY}, hands the pass the log of the
 * whole call instead (one made for it, the attempts its children) when the call was retried, and the context's own
 * log when it was not. Without a loop, or with one of a user's own, a pass reads the context's log as it ends.
 */
public interface CallCompletion {

    /**
     * Set on a call's context by the retry loop that runs its attempts, or by what keeps the call's state for the
     * loop and the other layers (mesh-client's {@code CallState}, which hands the listener on to the loop).
     */
    AttributeKey<CallCompletion> KEY = AttributeKey.valueOf(CallCompletion.class, "KEY");

    /**
     * Called once the context's own log is complete: takes {@code listener} to hand it the log of the whole call
     * once that is complete, or leaves it to the caller when the context's own log is the call's.
     *
     * @param listener what to hand the call's complete log to; called at most once
     * @return {@code false} when the context's own log, complete now, is the call's: the caller runs the listener
     */
    boolean deliverLater(Consumer<RequestLog> listener);
}

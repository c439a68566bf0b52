package io.mesh4j.client.internal.stack;

import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.client.ClientRequestContext;
import com.linecorp.armeria.common.logging.RequestLog;

import io.mesh4j.core.deadline.Deadline;
import io.mesh4j.core.internal.stack.CallCompletion;

/**
 * What the built-in layers of one call keep for each other, in one object on the call's context: the route decision
 * (ROUTING's preprocessor), the deadline (DEADLINE, or the wait for a first endpoint) and the retry loop running the
 * call's attempts (RETRY). Each was an Armeria context attribute of its own, set on every call: an entry of ~100–130
 * bytes and a lock in the context's attribute map each. Now the context has one attribute, set once per call.
 *
 * <p>It is set under {@link CallCompletion#KEY}, which the per-call pass reads to hear of the call's end: the state
 * hands that on to the retry loop, if one runs the call. A context derived from the call's (a hedge, a retry) copies
 * the attribute, and so reads the call's decision and deadline; the first time a layer writes to a derived context,
 * it gets a state of its own, starting from the call's.
 *
 * <p>The fields are written by layers on the call's way down and read by later ones, on the call's event loop and, for
 * a hedge's end, on another: volatile, as the attributes they replace were safe to read from any thread.
 *
 * @param <D> the route decision's type (it lives beside the router)
 */
public final class CallState<D> implements CallCompletion {

    private final ClientRequestContext ctx;
    private volatile @Nullable D decision;
    private volatile @Nullable Deadline deadline;
    private volatile @Nullable CallCompletion completion;

    private CallState(ClientRequestContext ctx, @Nullable D decision, @Nullable Deadline deadline) {
        this.ctx = ctx;
        this.decision = decision;
        this.deadline = deadline;
    }

    /**
     * Returns the state that {@code ctx} reads: its own, or the call's it was derived from.
     *
     * @param ctx a call's or an attempt's context
     * @return the state, or {@code null} when no layer has written any
     */
    @SuppressWarnings("unchecked")
    public static <D> @Nullable CallState<D> find(ClientRequestContext ctx) {
        return ctx.attr(CallCompletion.KEY) instanceof CallState<?> state ? (CallState<D>) state : null;
    }

    /**
     * Returns the state of {@code ctx} to write to: made and set on the context the first time, and for a context
     * derived from a call's, a new one that starts from the call's decision and deadline.
     *
     * @param ctx a call's or an attempt's context
     * @return the context's own state
     */
    public static <D> CallState<D> of(ClientRequestContext ctx) {
        final @Nullable CallState<D> found = find(ctx);
        if (found != null && found.ctx == ctx) {
            return found;
        }
        final CallState<D> own =
                found != null ? new CallState<>(ctx, found.decision, found.deadline) : new CallState<>(ctx, null, null);
        ctx.setAttr(CallCompletion.KEY, own);
        return own;
    }

    /**
     * Returns the deadline of the call of {@code ctx}: the one a layer of the mesh started for it, else, as
     * {@link Deadline#of} finds it through the context's root, the deadline of the request being served.
     *
     * @param ctx a call's or an attempt's context
     * @return the deadline, or {@code null}
     */
    public static @Nullable Deadline deadlineOf(ClientRequestContext ctx) {
        final @Nullable CallState<?> state = find(ctx);
        final @Nullable Deadline own = state != null ? state.deadline : null;
        return own != null ? own : Deadline.of(ctx);
    }

    /**
     * Returns what runs the attempts of the call of {@code ctx} itself (not of the call it was derived from).
     *
     * @param ctx a call's context
     * @return the retry loop's call, or {@code null}
     */
    public static @Nullable CallCompletion completionOn(ClientRequestContext ctx) {
        final @Nullable CallState<?> state = find(ctx);
        return state != null && state.ctx == ctx ? state.completion : null;
    }

    /** Returns the route decision, or {@code null} before routing. */
    public @Nullable D decision() {
        return decision;
    }

    /** Keeps the route decision. */
    public void decision(D decision) {
        this.decision = decision;
    }

    /** Keeps the deadline the mesh started for the call. */
    public void deadline(Deadline deadline) {
        this.deadline = deadline;
    }

    /** Keeps what runs the call's attempts: the per-call pass hears of the call's end from it. */
    public void completion(CallCompletion completion) {
        this.completion = completion;
    }

    @Override
    public boolean deliverLater(Consumer<RequestLog> listener) {
        final @Nullable CallCompletion call = completion;
        return call != null && call.deliverLater(listener);
    }

    @Override
    public String toString() {
        return "CallState(" + decision + ", " + deadline + ", " + completion + ')';
    }
}

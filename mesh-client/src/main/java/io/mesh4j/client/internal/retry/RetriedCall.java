package io.mesh4j.client.internal.retry;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.linecorp.armeria.client.ClientRequestContext;
import com.linecorp.armeria.client.Endpoint;
import com.linecorp.armeria.client.ResponseTimeoutException;
import com.linecorp.armeria.client.UnprocessedRequestException;
import com.linecorp.armeria.client.endpoint.EndpointGroup;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpHeaders;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.RequestHeadersBuilder;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.SplitHttpResponse;
import com.linecorp.armeria.common.logging.RequestLog;
import com.linecorp.armeria.common.logging.RequestLogAccess;
import com.linecorp.armeria.common.logging.RequestLogBuilder;
import com.linecorp.armeria.common.logging.RequestLogProperty;
import com.linecorp.armeria.common.stream.SubscriptionOption;
import com.linecorp.armeria.common.util.Exceptions;
import com.linecorp.armeria.common.util.SafeCloseable;
import com.linecorp.armeria.common.util.TimeoutMode;

import io.mesh4j.client.internal.stack.CallState;
import io.mesh4j.core.classify.ResponseClass;
import io.mesh4j.core.deadline.Deadline;
import io.mesh4j.core.internal.grpc.GrpcStatuses;
import io.mesh4j.core.internal.registry.QuotaJson;
import io.mesh4j.core.internal.stack.CallCompletion;
import io.netty.util.AsciiString;

/**
 * One call through the retry loop: its attempts, one after another, until one is not a retryable failure, the call
 * has no attempt, time or budget left, or the caller gave up.
 *
 * <p>The first attempt goes on the call's own context, with the request as the layers above made it: most calls
 * are never retried, and for them the loop derives no context, makes no child log and copies no header. A retry
 * pays for what Armeria's retrying client paid on every call: a context derived from the call's with an endpoint
 * the balancer picks afresh, a log of the whole call whose children are the attempts (the call's own log is then
 * its first attempt's, so the per-call layers hear of the call's end from here: {@link CallCompletion}), and the
 * request's headers rebuilt with {@code armeria-retry-count}.
 *
 * <p>Under a hedge, the call's context is itself one hedge of a call above, and its log already that call's child:
 * the retries of a hedge become further children of the hedged call, beside it.
 */
final class RetriedCall implements CallCompletion {

    private static final Logger logger = LoggerFactory.getLogger(RetriedCall.class);

    /** The header in which Armeria's retrying client numbered the retries of a call; kept for servers that read it. */
    private static final AsciiString RETRY_COUNT = HttpHeaderNames.of("armeria-retry-count");

    /**
     * Requeues per call at most: an attempt never sent (refused by its endpoint's breaker, its connection refused)
     * goes at once to another endpoint, without backoff or budget and without counting as one of the call's
     * attempts, which are meant for real failures (CHAOS.md, finding 1); bounded so that a call cannot spin.
     */
    static final int MAX_REQUEUES = 3;

    /**
     * A retry is not sent with less of the deadline than this left after its backoff: Armeria's timeouts count
     * whole milliseconds, so it would be cut the moment it reached the server.
     */
    private static final long MIN_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    /** The options an attempt's answer is read with, made once: as varargs, an array per attempt. */
    private static final SubscriptionOption[] POOLED = {SubscriptionOption.WITH_POOLED_OBJECTS};

    private final RetryLayer.Loop loop;
    private final ClientRequestContext ctx;
    private final RetryPlan plan;
    private final boolean streaming;
    private final @Nullable Deadline deadline;
    private final CallAnswer returned;

    private @Nullable ReplayableRequest request;
    /** Real attempts so far: what {@code maxAttempts} counts. */
    private int attempts;

    private int requeues;
    private volatile @Nullable Attempt current;
    private volatile boolean cancelled;

    // What the per-call layers hear (CallCompletion); guarded by this.
    private boolean decided;
    /** The log of the whole call once it was retried; null while its own log is the call's. */
    private @Nullable RequestLogBuilder callLog;

    private @Nullable List<Consumer<RequestLog>> waiting;

    /** One attempt: its context, when it was sent, and whether its end has been handled (answered or cut). */
    static final class Attempt {
        final RetriedCall call;
        final ClientRequestContext ctx;
        final long startNanos;
        /**
         * Whether the attempt's timeout is the call's deadline: its timing out then means the call has no time
         * left, whatever fraction of a millisecond the deadline's clock still shows.
         */
        final boolean lastsToDeadline;
        /** When the loop cuts the attempt ({@link AttemptCuts}), if {@link #cuttable}. */
        final long cutAtNanos;

        final boolean cuttable;

        // Guarded by the loop's AttemptCuts.
        @Nullable
        Attempt prev;

        @Nullable
        Attempt next;

        boolean watched;

        private boolean resolved;

        Attempt(
                RetriedCall call,
                ClientRequestContext ctx,
                long startNanos,
                boolean lastsToDeadline,
                boolean cuttable,
                long cutAtNanos) {
            this.call = call;
            this.ctx = ctx;
            this.startNanos = startNanos;
            this.lastsToDeadline = lastsToDeadline;
            this.cuttable = cuttable;
            this.cutAtNanos = cutAtNanos;
        }

        /** Whether this is the first end of the attempt to be handled: its answer, or its cut, not both. */
        boolean resolve() {
            synchronized (this) {
                if (resolved) {
                    return false;
                }
                resolved = true;
            }
            if (cuttable) {
                call.loop.cuts.unwatch(this);
            }
            return true;
        }

        /** Its time is up ({@link AttemptCuts}): on the attempt's event loop. */
        void cut() {
            call.cut(this);
        }
    }

    RetriedCall(RetryLayer.Loop loop, ClientRequestContext ctx, RetryPlan plan, boolean streaming) {
        this.loop = loop;
        this.ctx = ctx;
        this.plan = plan;
        this.streaming = streaming;
        deadline = CallState.deadlineOf(ctx);
        // Read by the caller on the call's event loop, where Armeria's own response is read: the default, with no
        // context current on the caller's thread, is any of the common workers, so that the answer and then the
        // caller's next call each took a thread hop (3 calls in 4 at one call in flight; BENCHMARKS.md, issue 12).
        returned = new CallAnswer(ctx.eventLoop().withoutContext());
    }

    HttpResponse start(HttpRequest req) {
        CallState.of(ctx).completion(this);
        new ReplayableRequest(req, this).read(ctx.eventLoop().withoutContext());
        return returned;
    }

    /** The request is kept: the first attempt goes, on the call's own context. */
    void onRequestRead(ReplayableRequest read, @Nullable Throwable cause) {
        if (cause != null) {
            ctx.logBuilder().endRequest(cause);
            ctx.logBuilder().endResponse(cause);
            decide(false);
            returned.hand(HttpResponse.ofFailure(cause));
            return;
        }
        request = read;
        final HttpRequest first = read.first();
        if (first != ctx.request()) {
            ctx.updateRequest(first);
        }
        send(ctx, first, false);
    }

    private void send(ClientRequestContext attemptCtx, HttpRequest req, boolean derived) {
        attempts++;
        final long remaining = deadline != null ? deadline.remainingNanos() : Long.MAX_VALUE;
        long timeout = plan.perAttemptTimeoutNanos;
        if (timeout == 0) {
            timeout = loop.timeouts.cutNanos(plan, ctx.method(), streaming, attempts, remaining);
        }
        final long nanos = timeout > 0 ? Math.min(timeout, remaining) : remaining;
        if (timeout > 0 || derived && remaining != Long.MAX_VALUE) {
            // The attempt's share of the deadline; the first without a cut keeps the call's own timeout.
            attemptCtx.setResponseTimeoutMillis(
                    TimeoutMode.SET_FROM_NOW, Math.max(1, TimeUnit.NANOSECONDS.toMillis(nanos)));
        }
        final boolean lastsToDeadline = remaining != Long.MAX_VALUE && (timeout == 0 || timeout >= remaining);
        final long startNanos = System.nanoTime();
        final Attempt attempt =
                new Attempt(this, attemptCtx, startNanos, lastsToDeadline, timeout > 0, startNanos + nanos);
        current = attempt;
        if (timeout > 0) {
            // The loop's own clock as well: Armeria's response timeout starts once the request is sent, so an
            // attempt waiting for a connection to a frozen instance (its handshake never answered) would outlive it.
            // One timer for all the loop's attempts (AttemptCuts), not one scheduled and cancelled per attempt.
            loop.cuts.watch(attempt);
        }
        HttpResponse res;
        try (SafeCloseable ignored = derived ? attemptCtx.push() : null) {
            res = loop.next().execute(attemptCtx, req);
        } catch (Throwable t) {
            attemptCtx.logBuilder().endRequest(t);
            attemptCtx.logBuilder().endResponse(t);
            res = HttpResponse.ofFailure(t);
        }
        if (streaming) {
            final SplitHttpResponse split = res.split();
            split.headers().handle((headers, cause) -> {
                onHeaders(attempt, split, headers, cause);
                return null;
            });
        } else {
            res.subscribe(
                    new BufferedAnswer(this, attempt), attemptCtx.eventLoop().withoutContext(), POOLED);
        }
    }

    /** An attempt that outlived its timeout: failed now, as a timeout, and its stream reset. */
    void cut(Attempt attempt) {
        if (!attempt.resolve()) {
            return;
        }
        final ResponseTimeoutException cause = ResponseTimeoutException.get();
        // Logged now: a transport still waiting for its connection would log it only when that gives up.
        attempt.ctx.logBuilder().endRequest(cause);
        attempt.ctx.logBuilder().endResponse(cause);
        attempt.ctx.cancel(cause);
        onFailure(attempt, cause);
    }

    /** A streaming call's attempt is judged by its headers; its body goes to the caller as it arrives. */
    private void onHeaders(
            Attempt attempt, SplitHttpResponse split, @Nullable ResponseHeaders headers, @Nullable Throwable cause) {
        if (!attempt.resolve()) {
            split.body().abort();
            return;
        }
        if (cause != null || headers == null) {
            onFailure(attempt, cause != null ? cause : new IllegalStateException("an answer without headers"));
            return;
        }
        final ResponseClass outcome = classify(headers, HttpHeaders.of(), null);
        if (deadlineEndedIt(headers, outcome)) {
            split.body().abort();
            finish(HttpResponse.ofFailure(ResponseTimeoutException.get()));
            return;
        }
        if (outcome == ResponseClass.RETRYABLE_FAILURE && retryAfter(null)) {
            split.body().abort();
            return;
        }
        finish(HttpResponse.of(headers, split.body(), split.trailers()));
    }

    /** A buffered attempt's end: its whole answer, or how it failed. */
    void onAnswer(Attempt attempt, @Nullable BufferedAnswer whole, @Nullable Throwable cause) {
        if (!attempt.resolve()) {
            // Cut before it answered: the retry is on its way.
            if (whole != null) {
                whole.release();
            }
            return;
        }
        if (cause != null) {
            onFailure(attempt, cause);
            return;
        }
        final BufferedAnswer answered = whole;
        if (answered == null) {
            throw new IllegalStateException("neither an answer nor a cause");
        }
        final ResponseClass outcome = classify(answered.headers(), answered.trailers(), null);
        if (deadlineEndedIt(answered.headers(), outcome)) {
            answered.release();
            finish(HttpResponse.ofFailure(ResponseTimeoutException.get()));
            return;
        }
        if (outcome == ResponseClass.SUCCESS && !streaming) {
            // Here, where each attempt is classified once, rather than in a log listener of its own.
            loop.latencies.record(System.nanoTime() - attempt.startNanos);
        }
        if (outcome == ResponseClass.RETRYABLE_FAILURE && retryAfter(answered)) {
            return;
        }
        finish(answered.toResponse());
    }

    /**
     * Whether an answer that failed came when the call's deadline had passed here too: the server's 504 (its
     * deadline, the caller's carried in a header and started on arrival, ran out before it began) or any failure
     * this loop would retry if time were left, such as the 503 Armeria's server answers when the request timeout
     * the server's deadline set runs out during the handler's work. The server's deadline never passes first, but
     * on a busy machine its answer can arrive before this side's own timer runs. The call then ends as the caller's
     * timeout, the same failure whichever side noticed the deadline first (as a gRPC call's
     * {@code DEADLINE_EXCEEDED} does), rather than as the last attempt's answer.
     */
    private boolean deadlineEndedIt(ResponseHeaders headers, ResponseClass outcome) {
        return deadline != null
                && (headers.status() == HttpStatus.GATEWAY_TIMEOUT || outcome == ResponseClass.RETRYABLE_FAILURE)
                && deadline.isExpired();
    }

    /** An attempt that failed with no answer: requeued if it was never sent, else retried as its cause says. */
    private void onFailure(Attempt attempt, Throwable cause) {
        if (Exceptions.peel(cause) instanceof UnprocessedRequestException && mayRequeue(attempt.ctx)) {
            requeues++;
            attempts--;
            decide(true);
            schedule(0);
            return;
        }
        if (attempt.lastsToDeadline && Exceptions.peel(cause) instanceof ResponseTimeoutException) {
            // The call's deadline passed. Its clock may still show a fraction of a millisecond, since the attempt's
            // timeout was set in whole milliseconds; a retry sent into that fraction would reach the server and
            // be cut at once (DeadlineTest saw a fourth attempt of 200 ms land in a 500 ms call).
            finish(HttpResponse.ofFailure(cause));
            return;
        }
        final ResponseClass outcome = classify(null, HttpHeaders.of(), cause);
        if (outcome == ResponseClass.RETRYABLE_FAILURE && retryAfter(null)) {
            return;
        }
        finish(HttpResponse.ofFailure(cause));
    }

    /**
     * Retries if the call has attempts, time and budget left, in that order, so that the budget is only spent on
     * retries that happen; a spent budget hands the caller the last real answer.
     *
     * @return whether a retry is on its way
     */
    private boolean retryAfter(@Nullable BufferedAnswer discarded) {
        if (cancelled || returned.isComplete() || attempts >= plan.maxAttempts) {
            return false;
        }
        final long delayMillis = plan.backoff.nextDelayMillis(attempts);
        if (deadline != null
                && deadline.remainingNanos() - TimeUnit.MILLISECONDS.toNanos(delayMillis) < MIN_RETRY_NANOS) {
            return false;
        }
        if (!loop.budget.tryWithdraw()) {
            loop.onExhausted.run();
            logger.debug("{} {}: retry budget spent, answering the last attempt's result", ctx.method(), ctx.path());
            return false;
        }
        if (discarded != null) {
            discarded.release();
        }
        decide(true);
        schedule(delayMillis);
        return true;
    }

    private void schedule(long delayMillis) {
        if (delayMillis == 0) {
            ctx.eventLoop().withoutContext().execute(this::retry);
        } else {
            ctx.eventLoop().withoutContext().schedule(this::retry, delayMillis, TimeUnit.MILLISECONDS);
        }
    }

    /** The next attempt: a context derived from the call's, on an endpoint the balancer picks afresh. */
    private void retry() {
        if (cancelled || returned.isComplete()) {
            finish(HttpResponse.ofFailure(ResponseTimeoutException.get()));
            return;
        }
        if (deadline != null && deadline.isExpired()) {
            finish(HttpResponse.ofFailure(ResponseTimeoutException.get()));
            return;
        }
        final @Nullable EndpointGroup group = ctx.endpointGroup();
        if (group == null) {
            sendRetry(ctx.endpoint());
            return;
        }
        // The balancer reads which endpoints this call tried from the call's context (the hedged call's, under HEDGE).
        final ClientRequestContext call = callOf(ctx);
        final @Nullable Endpoint picked = group.selectNow(call);
        if (picked != null) {
            sendRetry(picked);
            return;
        }
        group.select(call, ctx.eventLoop().withoutContext()).handle((endpoint, cause) -> {
            if (endpoint == null) {
                finish(HttpResponse.ofFailure(
                        cause != null
                                ? cause
                                : UnprocessedRequestException.of(
                                        new IllegalStateException("no endpoint of " + group + " for a retry"))));
            } else {
                sendRetry(endpoint);
            }
            return null;
        });
    }

    private void sendRetry(@Nullable Endpoint endpoint) {
        final ReplayableRequest replayable = request;
        if (replayable == null) {
            throw new IllegalStateException("a retry before the request was read");
        }
        // The headers as the per-call layers left them; the per-attempt layers write theirs again.
        final RequestHeadersBuilder headers = replayable.headers().toBuilder();
        headers.setInt(RETRY_COUNT, attempts + requeues);
        final HttpRequest req = replayable.with(headers.build());
        final ClientRequestContext derived;
        try {
            derived = ctx.newDerivedContext(ctx.options().requestIdGenerator().get(), req, ctx.rpcRequest(), endpoint);
            parentOfAttempts().addChild(derived.log());
        } catch (Throwable t) {
            finish(HttpResponse.ofFailure(t));
            return;
        }
        send(derived, req, true);
    }

    /**
     * Whether the attempt, never sent, may go at once to another endpoint: the call has requeues and time left, and
     * an endpoint other than the one that did not take it is available. When none is (every breaker refuses),
     * nothing is requeued: the refusal is a retryable failure as any other, and the call fails fast with it.
     */
    private boolean mayRequeue(ClientRequestContext attempt) {
        if (cancelled || requeues >= MAX_REQUEUES || deadline != null && deadline.isExpired()) {
            return false;
        }
        final @Nullable EndpointGroup group = attempt.endpointGroup();
        if (group == null) {
            return false;
        }
        final @Nullable Endpoint refused = attempt.endpoint();
        for (Endpoint endpoint : group.endpoints()) {
            if (!endpoint.equals(refused) && loop.availability.isAvailable(endpoint)) {
                return true;
            }
        }
        return false;
    }

    private ResponseClass classify(@Nullable ResponseHeaders headers, HttpHeaders trailers, @Nullable Throwable cause) {
        if (headers == null) {
            return plan.classifier.classify(ctx.method(), null, cause);
        }
        final int grpcStatus = GrpcStatuses.of(headers, trailers);
        if (grpcStatus >= 0) {
            return plan.classifier.classifyGrpc(grpcStatus);
        }
        if (headers.status().code() == 429 && QuotaJson.LIMIT_INSTANCE.equals(headers.get(QuotaJson.LIMIT_HEADER))) {
            // The instance's own rate limit refused it before any work, as a shed 503 would: another instance may
            // take it. A mesh-wide quota's 429 (mesh-limit: quota) is the same on every instance: never retried.
            final ResponseClass asShed = plan.classifier.classify(ctx.method(), HttpStatus.SERVICE_UNAVAILABLE, null);
            if (asShed == ResponseClass.RETRYABLE_FAILURE) {
                return asShed;
            }
        }
        return plan.classifier.classify(ctx.method(), headers.status(), null);
    }

    private void finish(HttpResponse response) {
        final RequestLogBuilder whole;
        synchronized (this) {
            decided = true;
            whole = callLog;
        }
        if (whole != null) {
            whole.endResponseWithLastChild();
        }
        flushWaiting();
        if (streaming) {
            returned.hand(response);
            return;
        }
        // Handed on once the log of the call has its response's end, as Armeria's retrying client did: its span
        // and metrics, whose listener came first, are recorded by the time the caller reads the answer.
        final RequestLogAccess log = whole != null ? whole : lastAttemptLog();
        if (log.isAvailable(RequestLogProperty.RESPONSE_END_TIME)) {
            returned.hand(response);
            return;
        }
        if (returned.handLater(response)) {
            log.whenAvailable(RequestLogProperty.RESPONSE_END_TIME).thenRun(returned);
        } else {
            log.whenAvailable(RequestLogProperty.RESPONSE_END_TIME).thenRun(() -> returned.hand(response));
        }
    }

    /**
     * Decides, at the first retry or at the end, which log is the call's: its own context's when it took one
     * attempt, else one made for the whole call (unless the call is a hedge, whose attempts are the hedged call's).
     */
    private void decide(boolean retried) {
        synchronized (this) {
            if (decided) {
                return;
            }
            decided = true;
            if (retried && ctx.log().parent() == null) {
                final RequestLogBuilder whole = RequestLog.builder(ctx);
                whole.addChild(ctx.log());
                callLog = whole;
            }
        }
        flushWaiting();
    }

    private void flushWaiting() {
        final @Nullable List<Consumer<RequestLog>> listeners;
        final @Nullable RequestLogBuilder whole;
        synchronized (this) {
            listeners = waiting;
            waiting = null;
            whole = callLog;
        }
        if (listeners == null) {
            return;
        }
        final RequestLogAccess log = whole != null ? whole : ctx.log();
        for (Consumer<RequestLog> listener : listeners) {
            log.whenComplete().thenAccept(listener);
        }
    }

    @Override
    public boolean deliverLater(Consumer<RequestLog> listener) {
        final @Nullable RequestLogBuilder whole;
        synchronized (this) {
            if (!decided) {
                if (waiting == null) {
                    waiting = new ArrayList<>(1);
                }
                waiting.add(listener);
                return true;
            }
            whole = callLog;
        }
        if (whole == null) {
            return false;
        }
        whole.whenComplete().thenAccept(listener);
        return true;
    }

    /** Where the attempts' logs go: the call's log, or the hedged call's when the call is one of its hedges. */
    private RequestLogBuilder parentOfAttempts() {
        final @Nullable RequestLogBuilder whole;
        synchronized (this) {
            whole = callLog;
        }
        if (whole != null) {
            return whole;
        }
        final @Nullable RequestLogAccess parent = ctx.log().parent();
        if (parent == null) {
            throw new IllegalStateException("a retry with no log to add its attempt to");
        }
        return parent.context().logBuilder();
    }

    /** The context of the call the attempts of {@code ctx} belong to: the hedged call's for a hedge. */
    private static ClientRequestContext callOf(ClientRequestContext ctx) {
        final @Nullable RequestLogAccess parent = ctx.log().parent();
        return parent != null && parent.context() instanceof ClientRequestContext call ? call : ctx;
    }

    /** The log of the call's last attempt so far. */
    RequestLogAccess lastAttemptLog() {
        final @Nullable Attempt attempt = current;
        return attempt != null ? attempt.ctx.log() : ctx.log();
    }

    /** Stops the call: no further attempt, and the one in flight is cancelled (its stream reset). */
    void cancel() {
        cancelled = true;
        final @Nullable Attempt attempt = current;
        (attempt != null ? attempt.ctx : ctx).cancel();
    }
}

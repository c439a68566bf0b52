package io.mesh4j.client.internal.retry;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.linecorp.armeria.client.ClientRequestContext;
import com.linecorp.armeria.client.Endpoint;
import com.linecorp.armeria.client.UnprocessedRequestException;
import com.linecorp.armeria.client.endpoint.EndpointGroup;
import com.linecorp.armeria.client.retry.Backoff;
import com.linecorp.armeria.client.retry.RetryDecision;
import com.linecorp.armeria.client.retry.RetryRule;
import com.linecorp.armeria.common.logging.RequestLog;
import com.linecorp.armeria.common.logging.RequestLogAccess;
import com.linecorp.armeria.common.logging.RequestLogProperty;
import com.linecorp.armeria.common.util.Exceptions;

import io.mesh4j.client.balancer.EndpointAvailability;
import io.mesh4j.core.classify.ResponseClass;
import io.mesh4j.core.classify.ResponseClassifier;
import io.mesh4j.core.deadline.Deadline;
import io.netty.util.AttributeKey;

/**
 * Retries an attempt when the classifier calls it a retryable failure, the call's deadline has time left, the call
 * has attempts left, and the budget has a retry to spare; in that order, so that the budget is only spent on
 * retries that happen.
 *
 * <p>Before all that, an attempt that was never sent (an {@link UnprocessedRequestException}: refused by its
 * endpoint's breaker, or its connection refused) is <em>requeued</em> at once to another endpoint, as Finagle's
 * {@code RequeueFilter} does, while another endpoint of the call's group is available: without backoff, without
 * the budget, and without counting as one of the call's {@code maxAttempts}, which are meant for real failures. A
 * breaker's refusal costs nothing and says nothing of the call, yet three of them (the balancer picking an
 * endpoint whose breaker refuses, a race at a breaker's half-opening, a balancer of the user's own that does not
 * ask the breakers) used to spend all of a call's attempts and fail it while three healthy endpoints were there
 * (CHAOS.md, finding 1). A requeue reaches no server, so the budget, which protects servers from retry storms,
 * has nothing to protect; it is still bounded, {@value #MAX_REQUEUES} per call, so that a call cannot spin. When no
 * other endpoint is available (every breaker refuses), nothing is requeued: the refusal is a retryable failure as
 * before, and the call fails fast with it once its attempts or the budget are spent.
 */
final class BudgetedRetryRule implements RetryRule {

    /**
     * Requeues per call at most; Armeria's cap on a call's attempts is {@code maxAttempts} plus this, and the rule
     * holds real attempts to {@code maxAttempts} itself.
     */
    static final int MAX_REQUEUES = 3;

    private static final Logger logger = LoggerFactory.getLogger(BudgetedRetryRule.class);

    private static final CompletableFuture<RetryDecision> NO_RETRY =
            CompletableFuture.completedFuture(RetryDecision.noRetry());

    private static final CompletableFuture<RetryDecision> REQUEUE =
            CompletableFuture.completedFuture(RetryDecision.retry(Backoff.withoutDelay()));

    /** The requeues of a call so far, on the call's context; absent until its first. */
    private static final AttributeKey<Integer> REQUEUES = AttributeKey.valueOf(BudgetedRetryRule.class, "REQUEUES");

    private final ResponseClassifier classifier;
    private final RetryBudget budget;
    private final AttemptLatencies latencies;
    private final EndpointAvailability availability;
    private final int maxAttempts;
    private final CompletableFuture<RetryDecision> retry;
    private final boolean buffered;
    private final Runnable onExhausted;

    BudgetedRetryRule(
            ResponseClassifier classifier,
            RetryBudget budget,
            AttemptLatencies latencies,
            EndpointAvailability availability,
            int maxAttempts,
            Backoff backoff,
            boolean buffered,
            Runnable onExhausted) {
        this.classifier = classifier;
        this.budget = budget;
        this.latencies = latencies;
        this.availability = availability;
        this.maxAttempts = maxAttempts;
        this.onExhausted = onExhausted;
        retry = CompletableFuture.completedFuture(RetryDecision.retry(backoff));
        this.buffered = buffered;
    }

    /**
     * Armeria's retrying client receives the whole response before deciding when a rule needs its trailers;
     * that is how this rule asks for a buffered response, so that a connection that dies after the headers
     * still leaves the call retryable.
     */
    @Override
    public boolean requiresResponseTrailers() {
        return buffered;
    }

    @Override
    public CompletionStage<RetryDecision> shouldRetry(ClientRequestContext ctx, @Nullable Throwable cause) {
        if (cause != null && Exceptions.peel(cause) instanceof UnprocessedRequestException && mayRequeue(ctx)) {
            return REQUEUE;
        }
        final ResponseClass outcome = classify(ctx, cause);
        if (outcome != ResponseClass.RETRYABLE_FAILURE) {
            if (outcome == ResponseClass.SUCCESS && buffered) {
                recordLatency(ctx);
            }
            return NO_RETRY;
        }
        final @Nullable Deadline deadline = Deadline.of(ctx);
        if (deadline != null && deadline.isExpired()) {
            return NO_RETRY;
        }
        if (realAttempts(ctx) >= maxAttempts) {
            return NO_RETRY;
        }
        if (!budget.tryWithdraw()) {
            onExhausted.run();
            logger.debug("{} {}: retry budget spent, answering the last attempt's result", ctx.method(), ctx.path());
            return NO_RETRY;
        }
        return retry;
    }

    /**
     * Counts a requeue of the call of {@code attempt} if it may have one: it has requeues left, time left, and an
     * endpoint other than the one that did not take it is available. Runs only for attempts never sent.
     */
    private boolean mayRequeue(ClientRequestContext attempt) {
        final ClientRequestContext call = callOf(attempt);
        final @Nullable Integer requeues = call.attr(REQUEUES);
        final int done = requeues != null ? requeues : 0;
        if (done >= MAX_REQUEUES || !anotherAvailable(attempt)) {
            return false;
        }
        final @Nullable Deadline deadline = Deadline.of(attempt);
        if (deadline != null && deadline.isExpired()) {
            return false;
        }
        call.setAttr(REQUEUES, done + 1);
        return true;
    }

    /** Whether an endpoint of the attempt's group other than its own would take an attempt now. */
    private boolean anotherAvailable(ClientRequestContext attempt) {
        final @Nullable EndpointGroup group = attempt.endpointGroup();
        if (group == null) {
            return false;
        }
        final @Nullable Endpoint refused = attempt.endpoint();
        for (Endpoint endpoint : group.endpoints()) {
            if (!endpoint.equals(refused) && availability.isAvailable(endpoint)) {
                return true;
            }
        }
        return false;
    }

    /** The call's attempts so far, this one included, less its requeues: what {@code maxAttempts} counts. */
    private static int realAttempts(ClientRequestContext attempt) {
        final @Nullable RequestLogAccess parent = attempt.log().parent();
        if (parent == null) {
            return 1;
        }
        final @Nullable Integer requeues = ((ClientRequestContext) parent.context()).attr(REQUEUES);
        return parent.children().size() - (requeues != null ? requeues : 0);
    }

    private static ClientRequestContext callOf(ClientRequestContext attempt) {
        final @Nullable RequestLogAccess parent = attempt.log().parent();
        return parent != null ? (ClientRequestContext) parent.context() : attempt;
    }

    /**
     * Here, where each attempt is classified once, rather than in a log listener of its own: a buffered attempt
     * is classified once its response has ended, so its latency is known.
     */
    private void recordLatency(ClientRequestContext ctx) {
        final @Nullable RequestLog log = ctx.log().getIfAvailable(RequestLogProperty.RESPONSE_END_TIME);
        if (log != null) {
            latencies.record(log.responseEndTimeNanos() - log.requestStartTimeNanos());
        }
    }

    /**
     * An answer by its log, so that a gRPC answer is judged by its {@code grpc-status} (in the trailers a buffered
     * attempt has by now, or in the headers of a trailers-only answer); no answer by its cause.
     */
    private ResponseClass classify(ClientRequestContext ctx, @Nullable Throwable cause) {
        if (cause == null) {
            final @Nullable RequestLog log = ctx.log().getIfAvailable(RequestLogProperty.RESPONSE_HEADERS);
            if (log != null && log.responseHeaders().status().code() > 0) {
                return classifier.classify(ctx.method(), log);
            }
        }
        return classifier.classify(ctx.method(), null, cause);
    }
}

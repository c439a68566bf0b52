package io.mesh4j.client.internal.retry;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.linecorp.armeria.client.ClientRequestContext;
import com.linecorp.armeria.client.retry.Backoff;
import com.linecorp.armeria.client.retry.RetryDecision;
import com.linecorp.armeria.client.retry.RetryRule;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.logging.RequestLog;
import com.linecorp.armeria.common.logging.RequestLogProperty;

import io.mesh4j.core.classify.ResponseClass;
import io.mesh4j.core.classify.ResponseClassifier;
import io.mesh4j.core.deadline.Deadline;

/**
 * Retries an attempt when the classifier calls it a retryable failure, the call's deadline has time left, and
 * the budget has a retry to spare; in that order, so that the budget is only spent on retries that happen.
 */
final class BudgetedRetryRule implements RetryRule {

    private static final Logger logger = LoggerFactory.getLogger(BudgetedRetryRule.class);

    private static final CompletableFuture<RetryDecision> NO_RETRY =
            CompletableFuture.completedFuture(RetryDecision.noRetry());

    private final ResponseClassifier classifier;
    private final RetryBudget budget;
    private final AttemptLatencies latencies;
    private final CompletableFuture<RetryDecision> retry;
    private final boolean buffered;
    private final Runnable onExhausted;

    BudgetedRetryRule(
            ResponseClassifier classifier,
            RetryBudget budget,
            AttemptLatencies latencies,
            Backoff backoff,
            boolean buffered,
            Runnable onExhausted) {
        this.classifier = classifier;
        this.budget = budget;
        this.latencies = latencies;
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
        final @Nullable HttpStatus status = cause == null ? statusOf(ctx) : null;
        final ResponseClass outcome = classifier.classify(ctx.method(), status, cause);
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
        if (!budget.tryWithdraw()) {
            onExhausted.run();
            logger.debug("{} {}: retry budget spent, answering the last attempt's result", ctx.method(), ctx.path());
            return NO_RETRY;
        }
        return retry;
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

    private static @Nullable HttpStatus statusOf(ClientRequestContext ctx) {
        final @Nullable RequestLog log = ctx.log().getIfAvailable(RequestLogProperty.RESPONSE_HEADERS);
        return log != null ? log.responseHeaders().status() : null;
    }
}

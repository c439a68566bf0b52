package io.mesh4j.client.internal.retry;

import java.util.EnumSet;
import java.util.Set;

import com.linecorp.armeria.client.ResponseTimeoutException;
import com.linecorp.armeria.common.HttpMethod;

import io.mesh4j.client.retry.RetryConfig;
import io.mesh4j.core.classify.ResponseClass;
import io.mesh4j.core.classify.ResponseClassifier;

/**
 * Gives an attempt of an idempotent call a timeout of {@link AttemptLatencies#timeoutNanos() a few times the
 * service's recent p99}, when neither the policy nor the route sets one, so that an attempt stuck on an instance
 * that stopped answering (a process stopped with SIGSTOP, a half-dead connection) is cut and retried on another
 * rather than waited for until the call's timeout: the balancer picks afresh for the retry and avoids the endpoint
 * this call tried.
 *
 * <p>Only where the cut cannot turn a call that would have succeeded into a failure, or retry what is not safe to
 * repeat. Not cut:
 * <ul>
 *   <li>a method that is not idempotent, or whose timeout the classifier does not retry;</li>
 *   <li>the call's last attempt, which keeps what is left of the call's deadline;</li>
 *   <li>an attempt with less than twice the cut left before the deadline: its retry would have less time than it;</li>
 *   <li>while the retry budget refuses retries: the cut attempt would not be retried;</li>
 *   <li>a call whose policy or route sets a per-attempt timeout or a retry rule, or turns this off
 *       ({@link RetryConfig#adaptivePerAttemptTimeout()});</li>
 *   <li>a streaming response, which may last as long as it likes.</li>
 * </ul>
 * A cut attempt is a retry like any other: paid from the budget, counted as a failure by its endpoint's breaker
 * and balancer.
 */
final class AttemptTimeouts {

    private static final Set<HttpMethod> IDEMPOTENT = EnumSet.of(
            HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS, HttpMethod.TRACE, HttpMethod.PUT, HttpMethod.DELETE);

    private final AttemptLatencies latencies;
    private final RetryBudget budget;
    /** The idempotent methods whose timed-out attempt the classifier retries: decided once, not per attempt. */
    private final Set<HttpMethod> cuttable;

    AttemptTimeouts(AttemptLatencies latencies, RetryBudget budget, ResponseClassifier classifier) {
        this.latencies = latencies;
        this.budget = budget;
        final Set<HttpMethod> cuttable = EnumSet.noneOf(HttpMethod.class);
        for (HttpMethod method : IDEMPOTENT) {
            if (classifier.classify(method, null, ResponseTimeoutException.get()) == ResponseClass.RETRYABLE_FAILURE) {
                cuttable.add(method);
            }
        }
        this.cuttable = cuttable;
    }

    /**
     * The adaptive timeout of an attempt, or zero for none.
     *
     * @param attempt the attempt's number among the call's real attempts, from 1
     * @param remainingNanos what is left of the call's deadline, or {@link Long#MAX_VALUE} without one
     */
    long cutNanos(RetryPlan plan, HttpMethod method, boolean streaming, int attempt, long remainingNanos) {
        if (!plan.adaptive || streaming || attempt >= plan.maxAttempts || !cuttable.contains(method)) {
            return 0;
        }
        final long cut = latencies.timeoutNanos();
        if (cut == 0 || remainingNanos < 2 * cut || budget.refusedLately()) {
            return 0;
        }
        return cut;
    }
}

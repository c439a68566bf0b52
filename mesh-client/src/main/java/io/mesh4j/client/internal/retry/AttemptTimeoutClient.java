package io.mesh4j.client.internal.retry;

import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.client.ClientRequestContext;
import com.linecorp.armeria.client.HttpClient;
import com.linecorp.armeria.client.ResponseTimeoutException;
import com.linecorp.armeria.client.SimpleDecoratingHttpClient;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.util.TimeoutMode;

import io.mesh4j.client.internal.routing.RouteDecision;
import io.mesh4j.client.policy.ClientPolicies;
import io.mesh4j.client.retry.RetryConfig;
import io.mesh4j.core.classify.ResponseClass;
import io.mesh4j.core.classify.ResponseClassifier;
import io.mesh4j.core.deadline.Deadline;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.routing.RouteRule;
import io.netty.util.AsciiString;

/**
 * Gives an attempt of an idempotent call a timeout of {@link AttemptLatencies#timeoutNanos() a few times the
 * service's recent p99}, when neither the policy nor the route sets one, so that an attempt stuck on an instance
 * that stopped answering is cut and retried on another (each attempt re-selects its endpoint, and the balancer
 * avoids the one this call tried) rather than waited for until the call's timeout. Sits below RETRY: it runs per
 * attempt.
 *
 * <p>Only where the cut cannot turn a call that would have succeeded into a failure, or retry what is not safe
 * to repeat. Not cut:
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
final class AttemptTimeoutClient extends SimpleDecoratingHttpClient {

    /** The header in which Armeria's retrying client numbers the retries (not the first attempt) of a call. */
    private static final AsciiString RETRY_COUNT = HttpHeaderNames.of("armeria-retry-count");

    private static final Set<HttpMethod> IDEMPOTENT = EnumSet.of(
            HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS, HttpMethod.TRACE, HttpMethod.PUT, HttpMethod.DELETE);

    private final ServiceName service;
    private final ClientPolicies policies;
    private final RetryBudget budget;
    private final AttemptLatencies latencies;
    /** The idempotent methods whose timed-out attempt the classifier retries: decided once, not per attempt. */
    private final Set<HttpMethod> cuttable;

    AttemptTimeoutClient(
            HttpClient delegate,
            ServiceName service,
            ClientPolicies policies,
            ResponseClassifier classifier,
            RetryBudget budget,
            AttemptLatencies latencies) {
        super(delegate);
        this.service = service;
        this.policies = policies;
        this.budget = budget;
        this.latencies = latencies;
        final Set<HttpMethod> cuttable = EnumSet.noneOf(HttpMethod.class);
        for (HttpMethod method : IDEMPOTENT) {
            if (classifier.classify(method, null, ResponseTimeoutException.get()) == ResponseClass.RETRYABLE_FAILURE) {
                cuttable.add(method);
            }
        }
        this.cuttable = cuttable;
    }

    @Override
    public HttpResponse execute(ClientRequestContext ctx, HttpRequest req) throws Exception {
        final long cutNanos = latencies.timeoutNanos();
        if (cutNanos > 0 && cuttable.contains(ctx.method()) && mayCut(ctx, req, cutNanos)) {
            ctx.setResponseTimeoutMillis(TimeoutMode.SET_FROM_NOW, TimeUnit.NANOSECONDS.toMillis(cutNanos));
        }
        return unwrap().execute(ctx, req);
    }

    private boolean mayCut(ClientRequestContext ctx, HttpRequest req, long cutNanos) {
        final RetryConfig retry = policies.policyFor(service).retry();
        if (!retry.adaptivePerAttemptTimeout() || !retry.perAttemptTimeout().isZero()) {
            return false;
        }
        final @Nullable RouteRule rule = RouteDecision.ruleOf(ctx);
        if (rule != null && (rule.retry() != null || rule.perAttemptTimeout() != null)) {
            return false;
        }
        if (req.headers().getInt(RETRY_COUNT, 0) + 1 >= retry.maxAttempts()) {
            return false;
        }
        final @Nullable Deadline deadline = Deadline.of(ctx);
        if (deadline != null && deadline.remainingNanos() < 2 * cutNanos) {
            return false;
        }
        return !budget.refusedLately() && !RetryLayer.isStreaming(ctx);
    }
}

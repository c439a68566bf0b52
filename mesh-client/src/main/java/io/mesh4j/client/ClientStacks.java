package io.mesh4j.client;

import com.linecorp.armeria.client.HttpClient;

import io.mesh4j.client.breaker.BreakerLayer;
import io.mesh4j.client.deadline.DeadlineLayer;
import io.mesh4j.client.metrics.MetricsLayer;
import io.mesh4j.client.retry.RetryLayer;
import io.mesh4j.client.tracing.TracingLayer;
import io.mesh4j.core.stack.Stack;

/**
 * The outbound stack, laid out once, in request order: the first layer is the first to see a call.
 */
public final class ClientStacks {

    /**
     * The default outbound stack. Its roles and their order are in {@link io.mesh4j.core.stack.ClientRoles};
     * ROUTING and FAULTS stand between METRICS and DEADLINE, in that order, once their layers exist.
     * Below the last layer, the balancer picks the endpoint of each attempt and the transport sends it.
     */
    public static Stack<HttpClient> defaults() {
        return Stack.of(
                // One client span per call: outermost, so that it covers every attempt and backoff, and every
                // attempt carries its trace context.
                TracingLayer.of(),
                // Golden metrics as the caller sees them: outside RETRY, so that a call that succeeded on its
                // second attempt counts once, as a success, with its retries counted beside it.
                MetricsLayer.of(),
                // Bounds all attempts together, by the caller's own deadline too, and tells downstream how long
                // is left: outside RETRY so that retries cannot outlive the call.
                DeadlineLayer.of(),
                // Budgeted retries with backoff; each attempt re-selects an endpoint: outside BREAKER so that
                // a refusal by an open breaker is just one more retryable attempt.
                RetryLayer.of(),
                // Per-endpoint breaker: the innermost layer, because it judges one endpoint by one attempt.
                BreakerLayer.of());
    }

    private ClientStacks() {}
}

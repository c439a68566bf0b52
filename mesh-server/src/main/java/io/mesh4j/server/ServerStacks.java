package io.mesh4j.server;

import com.linecorp.armeria.server.HttpService;

import io.mesh4j.core.stack.Stack;
import io.mesh4j.server.deadline.DeadlineLayer;
import io.mesh4j.server.metrics.MetricsLayer;
import io.mesh4j.server.tracing.TracingLayer;

/**
 * The inbound stack, laid out once, in request order: the first layer is the first to see a request. TLS and
 * the caller's identity are settled by the listener before any layer runs.
 */
public final class ServerStacks {

    /**
     * The default inbound stack. Its roles and their order are in {@link io.mesh4j.core.stack.ServerRoles};
     * AUTHZ, RATE_LIMIT, CONCURRENCY and FAULTS stand between METRICS and DEADLINE, in that order, once their
     * layers exist.
     */
    public static Stack<HttpService> defaults() {
        return Stack.of(
                // Continues the caller's trace: first, so that the server span covers every layer's work and
                // every layer (and the handler, on any thread of the request) runs inside it.
                TracingLayer.of(),
                // Per-route golden metrics: right after tracing, so that requests refused by the layers below
                // (authorization, limits, deadline) are counted with their status.
                MetricsLayer.of(),
                // Refuses what the caller has given up on, and bounds the handler's work (and the calls it
                // makes) by the caller's deadline: the last layer, right before the service does the work.
                DeadlineLayer.of());
    }

    private ServerStacks() {}
}
